//! Learner records: "My records" (`/records`), a program record with its public link, pathways and
//! history (`/records/programs/:id`), the public page of a shared record (`/records/shared/:id`, no
//! sign-in), and the console's read-only view of a learner's records (`/admin/records`). Every form
//! posts without JavaScript too; records print cleanly (the print stylesheet hides the rest).

use crate::api::records::{
    get_learner_program_record, get_learner_records, get_my_program_record, get_my_records,
    get_shared_record, SendRecord, ShareRecord, UnshareRecord,
};
use crate::components::async_section::AsyncSection;
use crate::components::console_nav::ConsoleNav;
use crate::components::form_parts::ActionErrors;
use crate::components::form_parts::{ButtonKind, FormErrors, Labeled, Notice, SubmitButton};
use crate::components::sharing::ends_text;
use crate::components::table::{Column, DataTable};
use crate::model::format_date;
use crate::model::records::{ProgramRecord, RecordView, RecordsList, ShareInfo};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn progress_badge(completed: bool) -> (&'static str, &'static str) {
    if completed {
        ("Completed", "badge bg-green-50 text-green-800")
    } else {
        ("In progress", "badge bg-amber-50 text-amber-900")
    }
}

#[component]
pub fn MyRecordsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_my_records());
    view! {
        <Title text="My learner records" />
        <AsyncSection resource=data let:list>
            <RecordsListView list base="/records/programs".to_owned() query=String::new() own=true />
        </AsyncSection>
    }
}

#[component]
fn RecordsListView(list: RecordsList, base: String, query: String, own: bool) -> impl IntoView {
    let help = (!list.site.help_url.is_empty()).then(|| {
        let url = list.site.help_url.clone();
        view! { <a class="link" href=url rel="external">"Learn more about records"</a> }
    });
    view! {
        {own.then(|| view! {
            <h1 class="text-2xl font-semibold">"My learner records"</h1>
            <p class="mt-1 max-w-3xl text-sm text-slate-600">
                "A program record is created once you have earned at least one course certificate in a program. "
                {help}
            </p>
        })}
        <h2 class="mt-6 font-semibold">"Program records"</h2>
        {if list.programs.is_empty() {
            view! {
                <p class="card mt-3 text-sm text-slate-600" data-testid="no-records">
                    {if own {
                        "No records yet. When you earn a course certificate in a program, its record appears here."
                    } else {
                        "No records: this learner has not earned a course certificate in any program."
                    }}
                </p>
            }.into_any()
        } else {
            view! {
                <ul class="mt-3 grid gap-3 md:grid-cols-2" data-testid="program-records">
                    {list.programs.into_iter().map(|p| {
                        let (label, class) = progress_badge(p.completed);
                        let href = format!("{base}/{}{query}", p.program_id);
                        view! {
                            <li class="card">
                                <p class="text-xs uppercase tracking-wide text-slate-500">{p.program_type.clone()}</p>
                                <h3 class="mt-1 font-semibold">{p.title.clone()}</h3>
                                <p class="text-sm text-slate-600">{p.school.clone()}</p>
                                <p class="mt-2 flex items-center gap-2 text-sm">
                                    <span class=class>{label}</span>
                                    <span class="text-slate-600">{format!("{} of {} courses earned", p.earned_courses, p.total_courses)}</span>
                                    {(p.status == "retired").then(|| view! { <span class="badge">"Program retired"</span> })}
                                </p>
                                <a class="btn-secondary mt-3 inline-block" href=href>"View program record"</a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// The record itself: header and course table (every view).
#[component]
fn RecordBody(record: ProgramRecord) -> impl IntoView {
    let (label, class) = progress_badge(record.completed);
    let who = match &record.email {
        Some(email) => format!("{} · {}", record.full_name, email),
        None => record.full_name.clone(),
    };
    view! {
        <div>
            <p class="text-xs uppercase tracking-wide text-slate-500">{format!("{} program record", record.program_type)}</p>
            <h1 class="mt-1 text-2xl font-semibold" data-testid="record-title">{record.title.clone()}</h1>
            <p class="text-sm text-slate-600">{format!("{} · {}", record.site.platform_name, record.school)}</p>
            <p class="mt-2 flex flex-wrap items-center gap-3 text-sm">
                <span class=class>{label}</span>
                <span data-testid="record-learner">{who}</span>
                <span class="text-slate-500">{format!("Last updated {}", format_date(record.last_updated))}</span>
            </p>
        </div>
        <DataTable
            label="Courses in this record"
            columns=[
                Column::new("Course"),
                Column::new("School"),
                Column::new("Course run"),
                Column::right("Highest grade"),
                Column::new("Letter"),
                Column::right("Verified attempts"),
                Column::new("Date earned"),
                Column::new("Status"),
            ]
            rows=record.courses
            row=|c| {
                let earned = c.earned_at.is_some();
                view! {
                    <tr>
                        <td class="font-medium">{c.name}</td>
                        <td>{c.school}</td>
                        <td class="text-slate-600">{c.course_run.map(|r| r.trim_start_matches("course-v1:").to_owned()).unwrap_or_default()}</td>
                        <td class="text-right tabular-nums">{c.percent.map(registrar::records::percent_text).unwrap_or_default()}</td>
                        <td>{c.letter.unwrap_or_default()}</td>
                        <td class="text-right tabular-nums">{(earned && c.attempts > 0).then_some(c.attempts)}</td>
                        <td>{c.earned_at.map(format_date).unwrap_or_default()}</td>
                        <td>{if earned {
                            view! { <span class="badge bg-green-50 text-green-800">"Earned"</span> }.into_any()
                        } else {
                            view! { <span class="badge">"Not earned"</span> }.into_any()
                        }}</td>
                    </tr>
                }
            }
            testid="record-courses"
            class="mt-4"
        />
    }
}

#[component]
pub fn ProgramRecordPage() -> impl IntoView {
    let params = use_params_map();
    let program = move || params.read().get("id").unwrap_or_default();
    let share = ServerAction::<ShareRecord>::new();
    let unshare = ServerAction::<UnshareRecord>::new();
    let send = ServerAction::<SendRecord>::new();
    let data = Resource::new(
        move || (program(), share.version().get(), unshare.version().get(), send.version().get()),
        |(program, ..)| get_my_program_record(program),
    );
    view! {
        <Title text="Program record" />
        <p class="no-print text-sm"><a class="link" href="/records">"← My learner records"</a></p>
        <AsyncSection resource=data class="mt-4" let:record>
            <OwnerRecord record share unshare send />
        </AsyncSection>
    }
}

#[component]
fn OwnerRecord(
    record: ProgramRecord,
    share: ServerAction<ShareRecord>,
    unshare: ServerAction<UnshareRecord>,
    send: ServerAction<SendRecord>,
) -> impl IntoView {
    let program = record.program_id.clone();
    let csv = format!("/api/records/{program}/record.csv");
    let shared = record.share.clone();
    let pathways = record.pathways.clone();
    let history = record.history.clone();
    view! {
        <div class="card mt-3"><RecordBody record=record.clone() /></div>
        <div class="no-print mt-3 flex flex-wrap gap-3">
            <a class="btn-secondary" href=csv download="" rel="external">"Download CSV"</a>
            <PrintButton />
        </div>
        <div class="no-print mt-6 grid gap-6 lg:grid-cols-2">
            <ShareSection program=program.clone() shared share unshare />
            <SendSection program=program.clone() pathways send />
        </div>
        <section class="no-print card mt-6" aria-labelledby="history-heading">
            <h2 id="history-heading" class="font-semibold">"History"</h2>
            {if history.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-600">"Nothing yet: the record has not been shared or sent."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 divide-y divide-slate-100 text-sm" data-testid="record-history">
                        {history.into_iter().map(|e| {
                            let what = match (e.kind.as_str(), e.pathway) {
                                ("sent", Some(p)) => format!("Sent to {p}"),
                                ("shared", _) => "Public link created".to_owned(),
                                ("unshared", _) => "Public link ended".to_owned(),
                                ("viewed", _) => "Public page viewed".to_owned(),
                                ("downloaded", _) => "CSV downloaded through the public link".to_owned(),
                                (other, _) => other.to_owned(),
                            };
                            view! { <li class="flex justify-between py-1"><span>{what}</span><span class="text-slate-500">{format_date(e.at)}</span></li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ShareSection(
    program: String,
    shared: Option<ShareInfo>,
    share: ServerAction<ShareRecord>,
    unshare: ServerAction<UnshareRecord>,
) -> impl IntoView {
    let share_error = Signal::derive(move || share.value().get().and_then(Result::err));
    let unshare_error = Signal::derive(move || unshare.value().get().and_then(Result::err));
    let show_email = shared.as_ref().is_some_and(|s| s.show_email);
    let expires_value =
        shared.as_ref().and_then(|s| s.expires_at).map(|at| format_date(at - 1)).unwrap_or_default();
    let is_shared = shared.is_some();
    let unshare_program = program.clone();
    view! {
        <section class="card" aria-labelledby="share-heading">
            <h2 id="share-heading" class="font-semibold">"Share this record"</h2>
            <p class="mt-1 text-sm text-slate-600">"Anyone with the link can see the record and download it as CSV, without signing in — for example a university or an employer. You can end the link at any time."</p>
            <div class="mt-3"><ActionErrors error=share_error /><ActionErrors error=unshare_error /></div>
            {match shared {
                Some(s) => view! {
                    <div class="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm" data-testid="share-link">
                        <label for="share-url" class="block font-medium text-slate-700">"Public link"</label>
                        <input id="share-url" class="input mt-1 w-full" readonly=true value=s.url.clone() />
                        <p class="mt-2 text-slate-600">
                            {format!("Shared {} · viewed {} times · CSV downloaded {} times", format_date(s.created_at), s.views, s.downloads)}
                            {ends_text(s.expires_at).map(|t| format!(" · works {t}"))}
                        </p>
                        <p class="mt-1"><a class="link" href=s.url.clone() target="_blank" rel="external">"Open the public page"</a></p>
                    </div>
                }.into_any(),
                None => view! { <p class="text-sm text-slate-600" data-testid="not-shared">"This record is not shared."</p> }.into_any(),
            }}
            <ActionForm action=share attr:class="mt-3 grid gap-3">
                <input type="hidden" name="program" value=program.clone() />
                <Labeled id="share-expires" label="Link works until (optional, last day)">
                    <input id="share-expires" name="expires" type="date" class="input mt-1" value=expires_value />
                </Labeled>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="show_email" checked=show_email />
                    "Show my email address on the public page"
                </label>
                <div>
                    <SubmitButton>{if is_shared { "Save link settings" } else { "Create public link" }}</SubmitButton>
                </div>
            </ActionForm>
            {is_shared.then(|| view! {
                <ActionForm action=unshare attr:class="mt-3">
                    <input type="hidden" name="program" value=unshare_program />
                    <SubmitButton kind=ButtonKind::Danger>"Stop sharing"</SubmitButton>
                    <p class="mt-1 text-xs text-slate-500">"The link stops working at once. Sharing again makes a new link."</p>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn SendSection(
    program: String,
    pathways: Vec<crate::model::records::PathwayOption>,
    send: ServerAction<SendRecord>,
) -> impl IntoView {
    let error = Signal::derive(move || send.value().get().and_then(Result::err));
    let sent = move || send.value().get().is_some_and(|r| r.is_ok());
    view! {
        <section class="card" aria-labelledby="send-heading">
            <h2 id="send-heading" class="font-semibold">"Send to a credit pathway"</h2>
            {if pathways.is_empty() {
                view! { <p class="mt-1 text-sm text-slate-600" data-testid="no-pathways">"No credit pathway takes this program's record yet."</p> }.into_any()
            } else {
                view! {
                    <p class="mt-1 text-sm text-slate-600">"The organisation gets an email with the link to your record and its CSV (this shares the record if it is not shared yet). A sent email cannot be taken back."</p>
                    <FormErrors class="mt-3" error />
                    {move || sent().then(|| view! { <Notice class="mb-3">"Sent. The history below lists it."</Notice> })}
                    <ActionForm action=send attr:class="grid gap-3">
                        <input type="hidden" name="program" value=program.clone() />
                        <fieldset>
                            <legend class="text-sm font-medium text-slate-700">"Pathway"</legend>
                            {pathways.into_iter().enumerate().map(|(i, p)| {
                                let id = format!("pathway-{i}");
                                let label_for = id.clone();
                                let note = p.last_sent_at.map(|at| format!(" (sent {})", format_date(at)));
                                view! {
                                    <label for=label_for class="mt-1 flex items-center gap-2 text-sm">
                                        <input id=id type="radio" name="pathway" value=p.id required=true checked=i == 0 />
                                        {format!("{} — {}", p.name, p.org_name)}
                                        <span class="text-slate-500">{note}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                        <label class="flex items-start gap-2 text-sm">
                            <input type="checkbox" name="confirm" required=true class="mt-1" />
                            "I understand the organisation receives my name, email and this record, and that the mail cannot be taken back."
                        </label>
                        <div><SubmitButton>"Send record"</SubmitButton></div>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}

/// The public page of a shared record.
#[component]
pub fn SharedRecordPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let data = Resource::new(id, get_shared_record);
    view! {
        <Title text="Shared program record" />
        <AsyncSection resource=data let:record>
            {
                let csv = format!("/records/shared/{}/csv", id());
                let shared = record.shared_at.map(|at| format!("Shared by the learner on {}.", format_date(at)));
                view! {
                    <div class="card"><RecordBody record /></div>
                    <p class="mt-2 text-sm text-slate-600">{shared}</p>
                    <div class="no-print mt-3 flex gap-3">
                        <a class="btn-secondary" href=csv download="" rel="external">"Download program record (CSV)"</a>
                        <PrintButton />
                    </div>
                }
            }
        </AsyncSection>
    }
}

/// Console: a learner's records, read only.
#[component]
pub fn StaffRecordsPage() -> impl IntoView {
    let query = use_query_map();
    let username = move || query.read().get("username").unwrap_or_default();
    let data = Resource::new(username, |u| async move {
        if u.trim().is_empty() {
            Ok(None)
        } else {
            get_learner_records(u).await.map(Some)
        }
    });
    view! {
        <Title text="Learner records" />
        <ConsoleNav current="/admin/records" />
        <h1 class="mt-4 text-2xl font-semibold">"Learner records"</h1>
        <p class="mt-1 text-sm text-slate-600">"Read only: what a learner sees under My learner records."</p>
        <form method="get" action="/admin/records" class="mt-3 flex items-end gap-3">
            <Labeled id="records-username" label="Username">
                <input id="records-username" name="username" class="input mt-1" value=username required=true />
            </Labeled>
            <SubmitButton kind=ButtonKind::Secondary>"Show records"</SubmitButton>
        </form>
        <AsyncSection resource=data class="mt-4" let:list>
            {match list {
                Some(list) => {
                    let q = format!("?username={}", crate::components::error_view::urlencode(&list.username));
                    view! {
                        <div class="mt-6">
                            <p class="text-sm text-slate-600" data-testid="records-of">{format!("Records of {} ({})", list.full_name, list.username)}</p>
                            <RecordsListView list base="/admin/records".to_owned() query=q own=false />
                        </div>
                    }.into_any()
                }
                None => ().into_any(),
            }}
        </AsyncSection>
    }
}

/// Console: one program record of a learner, read only.
#[component]
pub fn StaffProgramRecordPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        (query.read().get("username").unwrap_or_default(), params.read().get("id").unwrap_or_default())
    };
    let data = Resource::new(key, |(u, p)| get_learner_program_record(u, p));
    view! {
        <Title text="Learner program record" />
        <ConsoleNav current="/admin/records" />
        <p class="mt-3 text-sm"><a class="link" href=move || format!("/admin/records?username={}", crate::components::error_view::urlencode(&key().0))>"← Back to the learner's records"</a></p>
        <AsyncSection resource=data class="mt-4" let:record>
            {
                debug_assert_eq!(record.view, RecordView::Staff);
                view! { <div class="card mt-3"><RecordBody record /></div> }
            }
        </AsyncSection>
    }
}

/// "Print" (shown once the page runs script): an event listener, not an inline handler, which the
/// page's Content-Security-Policy would refuse.
#[component]
fn PrintButton() -> impl IntoView {
    let print = move |_| {
        let _ = window().print();
    };
    view! { <button type="button" class="btn-secondary js-only" on:click=print>"Print"</button> }
}
