//! The admin console's retirement pages (global staff): `/admin/retirements` (counts per state, a
//! chart of requests over the last 30 days, search by original or retired identity, filter by state,
//! queue an account for deletion) and `/admin/retirements/:id` (event history; resume, abort or
//! cancel with a reason); and `/admin/outbox`, the mail Registrar sent or is sending (readable here
//! when no SMTP server is configured). Every form posts without JavaScript too.

use crate::api::retirement::{
    get_retirement, get_retirement_dashboard, list_outbox, list_retirements, AbortRetirement,
    CancelRetirement, RequestRetirement, ResumeRetirement,
};
use crate::components::async_section::AsyncSection;
use crate::components::console_nav::ConsoleNav;
use crate::components::error_view::PageError;
use crate::components::form_parts::{ButtonKind, FormErrors, Labeled, Notice, SubmitButton};
use crate::components::table::{Column, DataTable};
use crate::model::{format_date, OutboxMail, RetirementDashboard, RetirementDetail, RetirementSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn state_badge(state: &str) -> &'static str {
    match state {
        "COMPLETE" => "badge bg-green-50 text-green-800",
        "ERRORED" => "badge bg-red-50 text-red-800",
        "ABORTED" => "badge bg-slate-100 text-slate-700",
        "PENDING" => "badge bg-amber-50 text-amber-900",
        _ => "badge",
    }
}

#[component]
pub fn RetirementsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("search").unwrap_or_default();
    let state = move || query.read().get("state").filter(|s| !s.is_empty());
    let request = ServerAction::<RequestRetirement>::new();
    let dashboard = Resource::new(move || request.version().get(), |_| get_retirement_dashboard());
    let list = Resource::new(
        move || (search(), state(), request.version().get()),
        |(search, state, _)| list_retirements(search, state),
    );
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    view! {
        <Title text="Retirements" />
        <ConsoleNav current="/admin/retirements" />
        <h1 class="mt-4 text-2xl font-semibold">"Retirements"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"Account deletions: learners wait in PENDING through the cool-off, then the worker runs each stage. A failed stage is retried with backoff, then the learner goes to ERRORED for you to resume or abort."</p>
        <AsyncSection resource=dashboard class="mt-6" let:d>
            <Dashboard d />
        </AsyncSection>
        <section class="mt-6" aria-labelledby="find-heading">
            <h2 id="find-heading" class="font-semibold">"Find a retirement"</h2>
            <form method="get" action="/admin/retirements" class="mt-2 flex flex-wrap items-end gap-3">
                <Labeled id="retirement-search" label="Username or email (original or retired)">
                    <input id="retirement-search" name="search" class="input mt-1 w-full sm:w-80" value=search />
                </Labeled>
                <Labeled id="retirement-state" label="State">
                    <select id="retirement-state" name="state" class="input mt-1">
                        <option value="">"Any"</option>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let current = state().unwrap_or_default();
                                dashboard.await.map(|d| d.states.into_iter().map(|s| {
                                    let selected = s.name == current;
                                    view! { <option value=s.name.clone() selected=selected>{s.name.clone()}</option> }
                                }).collect_view()).ok()
                            })}
                        </Transition>
                    </select>
                </Labeled>
                <SubmitButton kind=ButtonKind::Secondary>"Search"</SubmitButton>
            </form>
            <AsyncSection resource=list class="mt-4" let:rows>
                <RetirementTable rows />
            </AsyncSection>
        </section>
        <section class="card mt-6 max-w-2xl" aria-labelledby="request-heading">
            <h2 id="request-heading" class="font-semibold">"Queue an account for deletion"</h2>
            <p class="mt-1 text-sm text-slate-600">"For a learner who asked another way. They get the mail with the cancel link, and the cool-off applies."</p>
            <FormErrors class="mt-3" error />
            {move || request.value().get().and_then(Result::ok).map(|s| view! {
                <Notice class="mb-3">
                    {format!("{} is queued for deletion on {}.", s.original_username, format_date(s.due_at))}
                </Notice>
            })}
            <ActionForm action=request attr:class="grid gap-3">
                <Labeled id="request-identifier" label="Username or email">
                    <input id="request-identifier" name="identifier" class="input mt-1" required=true />
                </Labeled>
                <Labeled id="request-reason" label="Reason (kept in the history)">
                    <input id="request-reason" name="reason" class="input mt-1" required=true />
                </Labeled>
                <div><SubmitButton kind=ButtonKind::Danger>"Queue for deletion"</SubmitButton></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Dashboard(d: RetirementDashboard) -> impl IntoView {
    let max = d.per_day.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let last = d.per_day.len().saturating_sub(1);
    view! {
        <div class="mt-4 grid gap-6 lg:grid-cols-2">
            <section class="card" aria-labelledby="states-heading">
                <h2 id="states-heading" class="font-semibold">"Learners per state"</h2>
                <p class="text-xs text-slate-500">{format!("{} in all · cool-off {} days", d.total, d.cool_off_days)}</p>
                <DataTable
                    label="Learners per state"
                    columns=[Column::new("State"), Column::new("Step"), Column::right("Learners")]
                    rows=d.states
                    row=|s| {
                        let href = format!("/admin/retirements?state={}", s.name);
                        view! {
                            <tr>
                                <td><a class="link" href=href>{s.name.clone()}</a>
                                    {s.dead_end.then(|| view! { <span class="ml-2 text-xs text-slate-500">"final"</span> })}
                                </td>
                                <td class="text-slate-500">{s.step}</td>
                                <td class="text-right tabular-nums">{s.learners}</td>
                            </tr>
                        }
                    }
                    testid="state-counts"
                    class="mt-2"
                />
            </section>
            <section class="card" aria-labelledby="chart-heading">
                <h2 id="chart-heading" class="font-semibold">"Requests, last 30 days"</h2>
                <div class="mt-4 flex h-40 items-end gap-0.5" role="img" aria-label="Deletion requests per day over the last 30 days">
                    {d.per_day.iter().map(|(day, n)| {
                        let height = format!("height: {}%", (n * 100 / max).max(if *n > 0 { 4 } else { 1 }));
                        let title = format!("{day}: {n}");
                        view! { <div class="flex-1 rounded-t bg-indigo-500" style=height title=title></div> }
                    }).collect_view()}
                </div>
                <div class="mt-1 flex justify-between text-xs text-slate-500">
                    <span>{d.per_day.first().map(|(day, _)| day.clone())}</span>
                    <span>{d.per_day.get(last).map(|(day, _)| day.clone())}</span>
                </div>
            </section>
        </div>
    }
}

#[component]
fn RetirementTable(rows: Vec<RetirementSummary>) -> impl IntoView {
    view! {
        <DataTable
            label="Retirements"
            columns=[Column::new("Learner"), Column::new("State"), Column::new("Requested"), Column::new("Due"), Column::new("Last change")]
            rows=rows
            row=|r| view! {
                <tr>
                    <td>
                        <a class="link" href=format!("/admin/retirements/{}", r.id)>{r.original_username.clone()}</a>
                        <span class="block text-xs text-slate-500">{r.original_email.clone()}</span>
                        <span class="block font-mono text-xs text-slate-400">{r.retired_username.clone()}</span>
                    </td>
                    <td><span class=state_badge(&r.current_state)>{r.current_state.clone()}</span>
                        {r.last_error.clone().map(|e| { let title = e.clone(); view! { <span class="block max-w-xs truncate text-xs text-red-700" title=title>{e}</span> } })}
                    </td>
                    <td>{format_date(r.created_at)}</td>
                    <td>{format_date(r.due_at)}</td>
                    <td>{format_date(r.modified_at)}</td>
                </tr>
            }
            testid="retirements"
            class="mt-4"
            framed=true
            empty=|| view! { <p class="mt-4 text-slate-600">"No retirements match."</p> }
        />
    }
}

#[derive(Clone, Copy)]
struct DetailActions {
    resume: ServerAction<ResumeRetirement>,
    abort: ServerAction<AbortRetirement>,
    cancel: ServerAction<CancelRetirement>,
}

#[component]
pub fn RetirementPageView() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let actions = DetailActions {
        resume: ServerAction::new(),
        abort: ServerAction::new(),
        cancel: ServerAction::new(),
    };
    let versions = move || {
        (actions.resume.version().get(), actions.abort.version().get(), actions.cancel.version().get())
    };
    let data = Resource::new(move || (id(), versions()), |(id, _)| get_retirement(id));
    view! {
        <ConsoleNav current="/admin/retirements" />
        <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(detail) => view! { <Detail detail actions /> }.into_any(),
                    Err(error) => {
                        let cancelled = actions.cancel.value().get_untracked().is_some_and(|r| r.is_ok());
                        if cancelled {
                            view! { <Title text="Retirement" /><p role="status" class="mt-6 rounded-md bg-green-50 p-3 text-sm text-green-800">"The retirement was cancelled; the account is active again."</p> }.into_any()
                        } else {
                            view! { <Title text="Retirement" /><div class="mt-6"><PageError error /></div> }.into_any()
                        }
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(detail: RetirementDetail, actions: DetailActions) -> impl IntoView {
    let DetailActions { resume, abort, cancel } = actions;
    let error = Signal::derive(move || {
        resume
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| abort.value().get().and_then(Result::err))
            .or_else(|| cancel.value().get().and_then(Result::err))
    });
    let s = detail.summary.clone();
    let (id1, id2, id3) = (s.id.clone(), s.id.clone(), s.id.clone());
    view! {
        <Title text=format!("Retirement of {}", s.original_username) />
        <h1 class="mt-4 text-2xl font-semibold">{format!("Retirement of {}", s.original_username)}</h1>
        <dl class="mt-3 grid max-w-3xl grid-cols-3 gap-y-1 text-sm">
            <dt class="text-slate-500">"State"</dt><dd class="col-span-2" data-testid="retirement-state"><span class=state_badge(&s.current_state)>{s.current_state.clone()}</span></dd>
            <dt class="text-slate-500">"Original email"</dt><dd class="col-span-2">{s.original_email.clone()}</dd>
            <dt class="text-slate-500">"Retired username"</dt><dd class="col-span-2 font-mono text-xs">{s.retired_username.clone()}</dd>
            <dt class="text-slate-500">"Requested"</dt><dd class="col-span-2">{format_date(s.created_at)}
                {detail.requested_by.as_deref().map(|by| match by {
                    "learner" => " by the learner",
                    "admin" => " by an admin (console or command)",
                    _ => " through the service API",
                })}
            </dd>
            <dt class="text-slate-500">"Due"</dt><dd class="col-span-2">{format_date(s.due_at)}</dd>
            <dt class="text-slate-500">"Failed attempts"</dt><dd class="col-span-2">{s.attempts}</dd>
            {s.leased_by.clone().map(|by| view! { <dt class="text-slate-500">"Worked on by"</dt><dd class="col-span-2">{by}</dd> })}
            {s.last_error.clone().map(|e| view! { <dt class="text-slate-500">"Last error"</dt><dd class="col-span-2 text-red-700">{e}</dd> })}
        </dl>
        <FormErrors class="mt-4" error />
        <div class="mt-2 grid gap-4 lg:grid-cols-3">
            {(!detail.resume_targets.is_empty()).then(|| view! {
                <section class="card" aria-labelledby="resume-heading">
                    <h2 id="resume-heading" class="font-semibold">"Resume"</h2>
                    <p class="mt-1 text-xs text-slate-600">"Fix the cause first. The worker picks the learner up from the state you choose."</p>
                    <ActionForm action=resume attr:class="mt-2 grid gap-2">
                        <input type="hidden" name="id" value=id1 />
                        <label for="resume-to" class="text-sm font-medium text-slate-700">"Resume from"</label>
                        <select id="resume-to" name="to" class="input">
                            {detail.resume_targets.iter().rev().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                        </select>
                        <label for="resume-reason" class="text-sm font-medium text-slate-700">"Reason"</label>
                        <input id="resume-reason" name="reason" class="input" required=true />
                        <SubmitButton>"Resume"</SubmitButton>
                    </ActionForm>
                </section>
            })}
            {detail.can_cancel.then(|| view! {
                <section class="card" aria-labelledby="cancel-heading">
                    <h2 id="cancel-heading" class="font-semibold">"Cancel"</h2>
                    <p class="mt-1 text-xs text-slate-600">"Still in the cool-off: the account becomes active again with its password."</p>
                    <ActionForm action=cancel attr:class="mt-2 grid gap-2">
                        <input type="hidden" name="id" value=id2 />
                        <label for="cancel-reason" class="text-sm font-medium text-slate-700">"Reason"</label>
                        <input id="cancel-reason" name="reason" class="input" required=true />
                        <SubmitButton>"Cancel the deletion"</SubmitButton>
                    </ActionForm>
                </section>
            })}
            {detail.can_abort.then(|| view! {
                <section class="card" aria-labelledby="abort-heading">
                    <h2 id="abort-heading" class="font-semibold">"Abort"</h2>
                    <p class="mt-1 text-xs text-slate-600">"Stops the retirement for good; stages already run stay done."</p>
                    <ActionForm action=abort attr:class="mt-2 grid gap-2">
                        <input type="hidden" name="id" value=id3 />
                        <label for="abort-reason" class="text-sm font-medium text-slate-700">"Reason"</label>
                        <input id="abort-reason" name="reason" class="input" required=true />
                        <SubmitButton kind=ButtonKind::Danger>"Abort"</SubmitButton>
                    </ActionForm>
                </section>
            })}
        </div>
        <section class="mt-6" aria-labelledby="events-heading">
            <h2 id="events-heading" class="font-semibold">"History"</h2>
            <ol class="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="retirement-events">
                {detail.events.into_iter().map(|e| view! {
                    <li class="px-4 py-2">
                        <span class="text-slate-500">{format_date(e.at)}</span>" "
                        <span class="font-medium">{e.from_state.map(|f| format!("{f} → ")).unwrap_or_default()}{e.to_state}</span>
                        <span class="block text-slate-700">{e.message}</span>
                        <span class="block text-xs text-slate-500">{format!("by {}", e.actor)}</span>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
pub fn OutboxPage() -> impl IntoView {
    let query = use_query_map();
    let to = move || query.read().get("to").unwrap_or_default();
    let retry = ServerAction::<crate::api::admin::RetryMail>::new();
    let data = Resource::new(move || (to(), retry.version().get()), |(to, _)| list_outbox(to));
    let error = Signal::derive(move || retry.value().get().and_then(Result::err));
    view! {
        <Title text="Outbox" />
        <ConsoleNav current="/admin/outbox" />
        <h1 class="mt-4 text-2xl font-semibold">"Outbox"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"Mail is written here with the change that caused it, then delivered by SMTP when one is configured. Failed messages are retried and stay readable."</p>
        <form method="get" action="/admin/outbox" class="mt-4 flex flex-wrap items-end gap-3">
            <Labeled id="outbox-to" label="Recipient">
                <input id="outbox-to" name="to" type="email" class="input mt-1 w-full sm:w-80" value=to />
            </Labeled>
            <SubmitButton kind=ButtonKind::Secondary>"Show"</SubmitButton>
        </form>
        <FormErrors class="mt-3" error />
        {move || retry.value().get().and_then(Result::ok).map(|()| view! { <Notice>"The message will be sent again shortly."</Notice> })}
        <AsyncSection resource=data class="mt-4" let:mails>
            <MailList mails retry />
        </AsyncSection>
    }
}

#[component]
fn MailList(mails: Vec<OutboxMail>, retry: ServerAction<crate::api::admin::RetryMail>) -> impl IntoView {
    if mails.is_empty() {
        return view! { <p class="mt-4 text-slate-600">"No mail."</p> }.into_any();
    }
    view! {
        <ul class="mt-4 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="outbox">
            {mails.into_iter().map(|m| {
                let state = match m.state.as_str() {
                    "sent" => "badge bg-green-50 text-green-800",
                    "failed" => "badge bg-red-50 text-red-800",
                    _ => "badge bg-amber-50 text-amber-900",
                };
                view! {
                    <li class="px-4 py-2">
                        <details>
                            <summary class="cursor-pointer">
                                <span class="font-medium">{m.subject.clone()}</span>" "
                                <span class="text-slate-500">{format!("to {} · {}", m.to, format_date(m.created_at))}</span>" "
                                <span class=state>{m.state.clone()}</span>
                            </summary>
                            <pre class="mt-2 whitespace-pre-wrap rounded bg-slate-50 p-3 text-xs" data-testid="mail-body">{m.body_text.clone()}</pre>
                            {m.last_error.clone().map(|e| view! { <p class="mt-1 text-xs text-red-700">{format!("Attempt {}: {e}", m.attempts)}</p> })}
                            {(m.state != "sent").then(|| view! {
                                <ActionForm action=retry attr:class="mt-2">
                                    <input type="hidden" name="id" value=m.id.clone() />
                                    <SubmitButton kind=ButtonKind::Secondary>"Send again now"</SubmitButton>
                                </ActionForm>
                            })}
                        </details>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
