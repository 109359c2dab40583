//! The console's credentials administration (`/admin/credentials`, global staff): this site's
//! configuration, signatories (image upload), programs with their course runs, course and program
//! certificate configurations, pathways, and a learner's credentials (award, revoke). Each list's
//! "Edit" opens its form filled in (`?edit=<id>`); every form posts without JavaScript too.

use crate::api::records::{
    get_credentials_console, get_learner_credentials, AwardCredential, SaveCourseCertificate, SavePathway,
    SaveProgram, SaveProgramCertificate, SetCredentialStatus, UpdateSite,
};
use crate::components::console_nav::ConsoleNav;
use crate::components::error_view::PageError;
use crate::components::sharing::ActionErrors;
use crate::model::format_date;
use crate::model::records::{CredentialsConsole, ProgramRow, SignatoryRow, SiteConfig};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A green line after a save that worked (JavaScript on; without it the page reloads with it).
fn saved<T>(action: ServerAction<T>, what: &'static str) -> impl IntoView
where
    T: server_fn::ServerFn + Clone + Send + Sync + 'static,
    T::Output: Clone + Send + Sync + 'static,
    T::Error: Clone + Send + Sync + 'static,
{
    move || {
        action.value().get().and_then(Result::ok).map(|_| {
            view! { <p role="status" class="mb-3 rounded-md bg-green-50 p-3 text-sm text-green-800">{what}</p> }
        })
    }
}

/// The names of these signatory ids, in order.
fn signatory_names(all: &[SignatoryRow], ids: &[String]) -> String {
    ids.iter()
        .filter_map(|id| all.iter().find(|s| &s.id == id).map(|s| s.name.clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn CredentialsPage() -> impl IntoView {
    let site = ServerAction::<UpdateSite>::new();
    let program = ServerAction::<SaveProgram>::new();
    let course_cert = ServerAction::<SaveCourseCertificate>::new();
    let program_cert = ServerAction::<SaveProgramCertificate>::new();
    let pathway = ServerAction::<SavePathway>::new();
    let data = Resource::new(
        move || {
            (
                site.version().get(),
                program.version().get(),
                course_cert.version().get(),
                program_cert.version().get(),
                pathway.version().get(),
            )
        },
        |_| get_credentials_console(),
    );
    view! {
        <Title text="Credentials" />
        <ConsoleNav current="/admin/credentials" />
        <h1 class="mt-4 text-2xl font-semibold">"Credentials"</h1>
        <p class="mt-1 max-w-3xl text-sm text-slate-600">"What learner records are built from: the site's settings, signatories, programs and their course runs, certificate configurations and credit pathways. Learners' certificates and grades usually come from the LMS through the service API; you can award and revoke here too."</p>
        <nav class="mt-3 flex flex-wrap gap-3 text-sm" aria-label="Sections">
            <a class="link" href="#site">"Site"</a>
            <a class="link" href="#signatories">"Signatories"</a>
            <a class="link" href="#programs">"Programs"</a>
            <a class="link" href="#course-certificates">"Course certificates"</a>
            <a class="link" href="#program-certificates">"Program certificates"</a>
            <a class="link" href="#pathways">"Pathways"</a>
            <a class="link" href="#learner-credentials">"A learner's credentials"</a>
        </nav>
        <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(console) => view! {
                        <SiteSection config=console.site.clone() site />
                        <SignatoriesSection signatories=console.signatories.clone() />
                        <ProgramsSection programs=console.programs.clone() program />
                        <CourseCertificatesSection console=console.clone() course_cert />
                        <ProgramCertificatesSection console=console.clone() program_cert />
                        <PathwaysSection console=console.clone() pathway />
                        <LearnerCredentials console />
                    }.into_any(),
                    Err(error) => view! { <div class="mt-6"><PageError error /></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn edit_id() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("edit").unwrap_or_default())
}

#[component]
fn TextField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] kind: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div>
            <label for=id class="block text-sm font-medium text-slate-700">{label}</label>
            <input id=id name=name type=kind.unwrap_or("text") class="input mt-1 w-full" value=value required=required />
        </div>
    }
}

#[component]
fn CheckField(name: &'static str, label: &'static str, checked: bool) -> impl IntoView {
    view! {
        <label class="flex items-center gap-2 text-sm">
            <input type="checkbox" name=name checked=checked />
            {label}
        </label>
    }
}

#[component]
fn SiteSection(config: SiteConfig, site: ServerAction<UpdateSite>) -> impl IntoView {
    let error = Signal::derive(move || site.value().get().and_then(Result::err));
    let c = config;
    view! {
        <section id="site" class="card mt-6" aria-labelledby="site-heading">
            <h2 id="site-heading" class="font-semibold">"Site configuration"</h2>
            <p class="text-xs text-slate-500">{format!("Site {} — one configuration per site; `registrar create-or-update-site` edits any site.", c.domain)}</p>
            <div class="mt-3"><ActionErrors error /></div>
            {saved(site, "Site configuration saved.")}
            <ActionForm action=site attr:class="grid gap-3 md:grid-cols-2">
                <TextField id="site-name" name="name" label="Site name" value=c.name.clone() required=true />
                <TextField id="site-platform" name="platform_name" label="Platform name (record header, CSV, mail)" value=c.platform_name.clone() required=true />
                <TextField id="site-help" name="records_help_url" label="Records help URL" value=c.records_help_url.clone() kind="url" />
                <TextField id="site-from" name="partner_from_address" label="From address for pathway mail" value=c.partner_from_address.clone() kind="email" />
                <TextField id="site-lms" name="lms_url_root" label="LMS URL" value=c.lms_url_root.clone() kind="url" />
                <TextField id="site-catalog" name="catalog_api_url" label="Catalog API URL" value=c.catalog_api_url.clone() kind="url" />
                <TextField id="site-theme" name="theme_name" label="Theme" value=c.theme_name.clone() />
                <TextField id="site-company" name="company_name" label="Company name" value=c.company_name.clone() />
                <TextField id="site-home" name="homepage_url" label="Homepage URL" value=c.homepage_url.clone() kind="url" />
                <TextField id="site-tos" name="tos_url" label="Terms of service URL" value=c.tos_url.clone() kind="url" />
                <TextField id="site-privacy" name="privacy_policy_url" label="Privacy policy URL" value=c.privacy_policy_url.clone() kind="url" />
                <TextField id="site-cert-help" name="certificate_help_url" label="Certificate help URL" value=c.certificate_help_url.clone() kind="url" />
                <TextField id="site-twitter" name="twitter_username" label="Twitter username" value=c.twitter_username.clone() />
                <TextField id="site-facebook" name="facebook_app_id" label="Facebook app ID" value=c.facebook_app_id.clone() />
                <div class="grid gap-2 md:col-span-2">
                    <CheckField name="records_enabled" label="Learner records are on (off: records, public links and CSV answer 404)" checked=c.records_enabled />
                    <CheckField name="enable_linkedin_sharing" label="LinkedIn sharing" checked=c.enable_linkedin_sharing />
                    <CheckField name="enable_twitter_sharing" label="Twitter sharing" checked=c.enable_twitter_sharing />
                    <CheckField name="enable_facebook_sharing" label="Facebook sharing" checked=c.enable_facebook_sharing />
                </div>
                <div class="md:col-span-2"><button type="submit" class="btn-primary">"Save site configuration"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn SignatoriesSection(signatories: Vec<SignatoryRow>) -> impl IntoView {
    let query = use_query_map();
    let error = move || query.read().get("signatory_error");
    let added = move || query.read().get("signatory").is_some();
    view! {
        <section id="signatories" class="card mt-6" aria-labelledby="signatories-heading">
            <h2 id="signatories-heading" class="font-semibold">"Signatories"</h2>
            {if signatories.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-600">"No signatories yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 grid gap-3 md:grid-cols-3" data-testid="signatories">
                        {signatories.into_iter().map(|s| {
                            let src = format!("/media/signatories/{}", s.id);
                            let alt = format!("Signature of {}", s.name);
                            view! {
                                <li class="flex items-center gap-3 rounded-md border border-slate-200 p-2">
                                    <img src=src alt=alt class="h-12 w-12 object-contain" />
                                    <div class="text-sm">
                                        <p class="font-medium">{s.name}</p>
                                        <p class="text-slate-600">{s.title}</p>
                                        <p class="text-xs text-slate-500">{s.organization_name_override}</p>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h3 class="mt-4 text-sm font-semibold">"Add a signatory"</h3>
            {move || error().map(|e| view! { <div role="alert" class="mt-2 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">{e}</div> })}
            {move || added().then(|| view! { <p role="status" class="mt-2 rounded-md bg-green-50 p-3 text-sm text-green-800">"Signatory added."</p> })}
            <form method="post" action="/api/console/signatories" enctype="multipart/form-data" class="mt-2 grid gap-3 md:grid-cols-2">
                <TextField id="signatory-name" name="name" label="Name" value=String::new() required=true />
                <TextField id="signatory-title" name="title" label="Title" value=String::new() required=true />
                <TextField id="signatory-org" name="organization_name_override" label="Organization name (if not the issuing org's)" value=String::new() />
                <div>
                    <label for="signatory-image" class="block text-sm font-medium text-slate-700">"Signature image (PNG, JPEG or SVG, at most 250 KB)"</label>
                    <input id="signatory-image" name="image" type="file" accept="image/png,image/jpeg,image/svg+xml" class="mt-1 text-sm" required=true />
                </div>
                <div class="md:col-span-2"><button type="submit" class="btn-primary">"Add signatory"</button></div>
            </form>
        </section>
    }
}

#[component]
fn ProgramsSection(programs: Vec<ProgramRow>, program: ServerAction<SaveProgram>) -> impl IntoView {
    let error = Signal::derive(move || program.value().get().and_then(Result::err));
    let edit = edit_id();
    let editing = programs.iter().find(|p| p.id == edit.get_untracked()).cloned();
    let e = editing.clone().unwrap_or(ProgramRow {
        id: String::new(),
        title: String::new(),
        program_type: String::new(),
        status: "active".to_owned(),
        orgs: Vec::new(),
        courses: Vec::new(),
        total_hours_of_effort: None,
    });
    view! {
        <section id="programs" class="card mt-6" aria-labelledby="programs-heading">
            <h2 id="programs-heading" class="font-semibold">"Programs"</h2>
            <table class="mt-2 min-w-full text-sm" data-testid="programs">
                <thead class="text-left text-slate-600"><tr>
                    <th scope="col" class="py-1 pr-3">"Title"</th><th scope="col" class="py-1 pr-3">"Type"</th>
                    <th scope="col" class="py-1 pr-3">"Status"</th><th scope="col" class="py-1 pr-3">"Organizations"</th>
                    <th scope="col" class="py-1 pr-3">"Course runs"</th><th scope="col" class="py-1"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody class="divide-y divide-slate-100">
                    {programs.into_iter().map(|p| {
                        let href = format!("/admin/credentials?edit={}#programs", p.id);
                        view! {
                            <tr>
                                <td class="py-1 pr-3 font-medium">{p.title}<span class="block text-xs text-slate-500">{p.id}</span></td>
                                <td class="py-1 pr-3">{p.program_type}</td>
                                <td class="py-1 pr-3">{p.status}</td>
                                <td class="py-1 pr-3">{p.orgs.join(", ")}</td>
                                <td class="py-1 pr-3 text-xs">{p.courses.join(" · ")}</td>
                                <td class="py-1"><a class="link" href=href>"Edit"</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the program" } else { "Add a program" }}</h3>
            <div class="mt-2"><ActionErrors error /></div>
            {saved(program, "Program saved.")}
            <ActionForm action=program attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=e.id.clone() />
                <TextField id="program-title" name="title" label="Title" value=e.title.clone() required=true />
                <TextField id="program-type" name="program_type" label="Type (MicroMasters, Professional Certificate…)" value=e.program_type.clone() required=true />
                <div>
                    <label for="program-status" class="block text-sm font-medium text-slate-700">"Status"</label>
                    <select id="program-status" name="status" class="input mt-1">
                        {["active", "retired", "unpublished", "deleted"].into_iter().map(|s| view! { <option value=s selected=s == e.status>{s}</option> }).collect_view()}
                    </select>
                </div>
                <TextField id="program-orgs" name="orgs" label="Authoring organizations (keys, comma-separated)" value=e.orgs.join(", ") required=true />
                <TextField id="program-hours" name="hours" label="Total hours of effort (optional)" value=e.total_hours_of_effort.map(|h| h.to_string()).unwrap_or_default() kind="number" />
                <div class="md:col-span-2">
                    <label for="program-courses" class="block text-sm font-medium text-slate-700">"Course runs, one per line, in order"</label>
                    <textarea id="program-courses" name="courses" rows="4" class="input mt-1 w-full font-mono text-xs">{e.courses.join("\n")}</textarea>
                </div>
                <div class="md:col-span-2"><button type="submit" class="btn-primary">"Save program"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn SignatoryChecks(
    prefix: &'static str,
    signatories: Vec<SignatoryRow>,
    chosen: Vec<String>,
) -> impl IntoView {
    view! {
        <fieldset class="md:col-span-2">
            <legend class="text-sm font-medium text-slate-700">"Signatories"</legend>
            {if signatories.is_empty() {
                view! { <p class="text-sm text-slate-500">"Add signatories above first."</p> }.into_any()
            } else {
                signatories.into_iter().enumerate().map(|(i, s)| {
                    let id = format!("{prefix}-signatory-{i}");
                    let label_for = id.clone();
                    let name = format!("signatories[{i}]");
                    let checked = chosen.contains(&s.id);
                    view! {
                        <label for=label_for class="mr-4 inline-flex items-center gap-2 text-sm">
                            <input id=id type="checkbox" name=name value=s.id checked=checked />
                            {format!("{} ({})", s.name, s.title)}
                        </label>
                    }
                }).collect_view().into_any()
            }}
        </fieldset>
    }
}

#[component]
fn CourseCertificatesSection(
    console: CredentialsConsole,
    course_cert: ServerAction<SaveCourseCertificate>,
) -> impl IntoView {
    let error = Signal::derive(move || course_cert.value().get().and_then(Result::err));
    let edit = edit_id();
    let editing = console.course_certificates.iter().find(|c| c.id == edit.get_untracked()).cloned();
    view! {
        <section id="course-certificates" class="card mt-6" aria-labelledby="cc-heading">
            <h2 id="cc-heading" class="font-semibold">"Course certificate configurations"</h2>
            <p class="text-xs text-slate-500">"One per site, course run and type. The LMS creates missing ones (active) when it awards."</p>
            <table class="mt-2 min-w-full text-sm" data-testid="course-certificates">
                <thead class="text-left text-slate-600"><tr>
                    <th scope="col" class="py-1 pr-3">"Course run"</th><th scope="col" class="py-1 pr-3">"Type"</th>
                    <th scope="col" class="py-1 pr-3">"Available"</th><th scope="col" class="py-1 pr-3">"Active"</th>
                    <th scope="col" class="py-1 pr-3">"Signatories"</th><th scope="col" class="py-1 pr-3 text-right">"Awarded"</th>
                    <th scope="col" class="py-1"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody class="divide-y divide-slate-100">
                    {console.course_certificates.iter().cloned().map(|c| {
                        let href = format!("/admin/credentials?edit={}#course-certificates", c.id);
                        view! {
                            <tr>
                                <td class="py-1 pr-3">{c.course_key}<span class="block text-xs text-slate-500">{c.title}</span></td>
                                <td class="py-1 pr-3">{c.certificate_type}</td>
                                <td class="py-1 pr-3">{c.available_at.map(format_date).unwrap_or_else(|| "at once".to_owned())}</td>
                                <td class="py-1 pr-3">{if c.is_active { "yes" } else { "no" }}</td>
                                <td class="py-1 pr-3">{signatory_names(&console.signatories, &c.signatories)}</td>
                                <td class="py-1 pr-3 text-right tabular-nums">{c.awarded}</td>
                                <td class="py-1"><a class="link" href=href>"Edit"</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the configuration" } else { "Add a configuration" }}</h3>
            <div class="mt-2"><ActionErrors error /></div>
            {saved(course_cert, "Course certificate configuration saved.")}
            <ActionForm action=course_cert attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=editing.as_ref().map(|c| c.id.clone()).unwrap_or_default() />
                <TextField id="cc-course" name="course_key" label="Course run" value=editing.as_ref().map(|c| c.course_key.clone()).unwrap_or_default() required=true />
                <div>
                    <label for="cc-type" class="block text-sm font-medium text-slate-700">"Certificate type"</label>
                    <select id="cc-type" name="certificate_type" class="input mt-1">
                        {registrar::records::CertificateType::ALL.into_iter().map(|t| (t.as_str(), t.label())).map(|(v, l)| {
                            let selected = editing.as_ref().is_some_and(|c| c.certificate_type == v);
                            view! { <option value=v selected=selected>{l}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField id="cc-title" name="title" label="Title (optional, overrides the course name)" value=editing.as_ref().and_then(|c| c.title.clone()).unwrap_or_default() />
                <TextField id="cc-available" name="available" label="Available from (optional)" value=editing.as_ref().and_then(|c| c.available_at).map(format_date).unwrap_or_default() kind="date" />
                <CheckField name="active" label="Active" checked=editing.as_ref().is_none_or(|c| c.is_active) />
                <SignatoryChecks prefix="cc" signatories=console.signatories.clone() chosen=editing.as_ref().map(|c| c.signatories.clone()).unwrap_or_default() />
                <div class="md:col-span-2"><button type="submit" class="btn-primary">"Save configuration"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn ProgramCertificatesSection(
    console: CredentialsConsole,
    program_cert: ServerAction<SaveProgramCertificate>,
) -> impl IntoView {
    let error = Signal::derive(move || program_cert.value().get().and_then(Result::err));
    let edit = edit_id();
    let editing = console.program_certificates.iter().find(|c| c.id == edit.get_untracked()).cloned();
    view! {
        <section id="program-certificates" class="card mt-6" aria-labelledby="pc-heading">
            <h2 id="pc-heading" class="font-semibold">"Program certificate configurations"</h2>
            <table class="mt-2 min-w-full text-sm" data-testid="program-certificates">
                <thead class="text-left text-slate-600"><tr>
                    <th scope="col" class="py-1 pr-3">"Program"</th><th scope="col" class="py-1 pr-3">"Language"</th>
                    <th scope="col" class="py-1 pr-3">"Active"</th><th scope="col" class="py-1 pr-3">"Signatories"</th>
                    <th scope="col" class="py-1 pr-3 text-right">"Awarded"</th><th scope="col" class="py-1"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody class="divide-y divide-slate-100">
                    {console.program_certificates.iter().cloned().map(|c| {
                        let href = format!("/admin/credentials?edit={}#program-certificates", c.id);
                        view! {
                            <tr>
                                <td class="py-1 pr-3">{c.program_title}</td>
                                <td class="py-1 pr-3">{c.language.unwrap_or_else(|| "default".to_owned())}</td>
                                <td class="py-1 pr-3">{if c.is_active { "yes" } else { "no" }}</td>
                                <td class="py-1 pr-3">{signatory_names(&console.signatories, &c.signatories)}</td>
                                <td class="py-1 pr-3 text-right tabular-nums">{c.awarded}</td>
                                <td class="py-1"><a class="link" href=href>"Edit"</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the configuration" } else { "Add a configuration" }}</h3>
            <div class="mt-2"><ActionErrors error /></div>
            {saved(program_cert, "Program certificate configuration saved.")}
            <ActionForm action=program_cert attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=editing.as_ref().map(|c| c.id.clone()).unwrap_or_default() />
                <div>
                    <label for="pc-program" class="block text-sm font-medium text-slate-700">"Program"</label>
                    <select id="pc-program" name="program" class="input mt-1" required=true>
                        {console.programs.iter().map(|p| {
                            let selected = editing.as_ref().is_some_and(|c| c.program_id == p.id);
                            view! { <option value=p.id.clone() selected=selected>{p.title.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField id="pc-language" name="language" label="Language (optional locale, e.g. en)" value=editing.as_ref().and_then(|c| c.language.clone()).unwrap_or_default() />
                <CheckField name="use_org_name" label="Show the organization's full name" checked=editing.as_ref().is_some_and(|c| c.use_org_name) />
                <CheckField name="include_hours_of_effort" label="Include hours of effort" checked=editing.as_ref().is_some_and(|c| c.include_hours_of_effort) />
                <CheckField name="active" label="Active" checked=editing.as_ref().is_none_or(|c| c.is_active) />
                <SignatoryChecks prefix="pc" signatories=console.signatories.clone() chosen=editing.as_ref().map(|c| c.signatories.clone()).unwrap_or_default() />
                <div class="md:col-span-2"><button type="submit" class="btn-primary">"Save configuration"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn PathwaysSection(console: CredentialsConsole, pathway: ServerAction<SavePathway>) -> impl IntoView {
    let error = Signal::derive(move || pathway.value().get().and_then(Result::err));
    let edit = edit_id();
    let editing = console.pathways.iter().find(|p| p.id == edit.get_untracked()).cloned();
    let title_of = |id: &str| {
        console.programs.iter().find(|p| p.id == id).map_or_else(|| id.to_owned(), |p| p.title.clone())
    };
    view! {
        <section id="pathways" class="card mt-6" aria-labelledby="pathways-heading">
            <h2 id="pathways-heading" class="font-semibold">"Pathways"</h2>
            <p class="text-xs text-slate-500">"Learners can send a record only to published credit pathways that have an email and include the program."</p>
            <table class="mt-2 min-w-full text-sm" data-testid="pathways">
                <thead class="text-left text-slate-600"><tr>
                    <th scope="col" class="py-1 pr-3">"Name"</th><th scope="col" class="py-1 pr-3">"Organization"</th>
                    <th scope="col" class="py-1 pr-3">"Email"</th><th scope="col" class="py-1 pr-3">"Type"</th>
                    <th scope="col" class="py-1 pr-3">"Status"</th><th scope="col" class="py-1 pr-3">"Programs"</th>
                    <th scope="col" class="py-1"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody class="divide-y divide-slate-100">
                    {console.pathways.iter().cloned().map(|p| {
                        let href = format!("/admin/credentials?edit={}#pathways", p.id);
                        let programs: Vec<String> = p.programs.iter().map(|id| title_of(id)).collect();
                        view! {
                            <tr>
                                <td class="py-1 pr-3 font-medium">{p.name}</td>
                                <td class="py-1 pr-3">{p.org_name}</td>
                                <td class="py-1 pr-3">{p.email}</td>
                                <td class="py-1 pr-3">{p.pathway_type}</td>
                                <td class="py-1 pr-3">{p.status}</td>
                                <td class="py-1 pr-3">{programs.join(", ")}</td>
                                <td class="py-1"><a class="link" href=href>"Edit"</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the pathway" } else { "Add a pathway" }}</h3>
            <div class="mt-2"><ActionErrors error /></div>
            {saved(pathway, "Pathway saved.")}
            <ActionForm action=pathway attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=editing.as_ref().map(|p| p.id.clone()).unwrap_or_default() />
                <TextField id="pathway-name" name="name" label="Name" value=editing.as_ref().map(|p| p.name.clone()).unwrap_or_default() required=true />
                <TextField id="pathway-org" name="org_name" label="Organization" value=editing.as_ref().map(|p| p.org_name.clone()).unwrap_or_default() required=true />
                <TextField id="pathway-email" name="email" label="Email (where records are sent)" value=editing.as_ref().map(|p| p.email.clone()).unwrap_or_default() kind="email" />
                <div>
                    <label for="pathway-type" class="block text-sm font-medium text-slate-700">"Type"</label>
                    <select id="pathway-type" name="pathway_type" class="input mt-1">
                        {["credit", "industry"].into_iter().map(|t| view! { <option value=t selected=editing.as_ref().is_some_and(|p| p.pathway_type == t)>{t}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="pathway-status" class="block text-sm font-medium text-slate-700">"Status"</label>
                    <select id="pathway-status" name="status" class="input mt-1">
                        {["published", "unpublished", "retired"].into_iter().map(|s| view! { <option value=s selected=editing.as_ref().is_some_and(|p| p.status == s)>{s}</option> }).collect_view()}
                    </select>
                </div>
                <fieldset class="md:col-span-2">
                    <legend class="text-sm font-medium text-slate-700">"Programs"</legend>
                    {console.programs.iter().enumerate().map(|(i, p)| {
                        let id = format!("pathway-program-{i}");
                        let label_for = id.clone();
                        let name = format!("programs[{i}]");
                        let checked = editing.as_ref().is_some_and(|w| w.programs.contains(&p.id));
                        view! {
                            <label for=label_for class="mr-4 inline-flex items-center gap-2 text-sm">
                                <input id=id type="checkbox" name=name value=p.id.clone() checked=checked />
                                {p.title.clone()}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="md:col-span-2"><button type="submit" class="btn-primary">"Save pathway"</button></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn LearnerCredentials(console: CredentialsConsole) -> impl IntoView {
    let query = use_query_map();
    let username = move || query.read().get("learner").unwrap_or_default();
    let award = ServerAction::<AwardCredential>::new();
    let status = ServerAction::<SetCredentialStatus>::new();
    let data = Resource::new(
        move || (username(), award.version().get(), status.version().get()),
        |(u, ..)| async move {
            if u.trim().is_empty() {
                Ok(None)
            } else {
                get_learner_credentials(u).await.map(Some)
            }
        },
    );
    let award_error = Signal::derive(move || award.value().get().and_then(Result::err));
    let status_error = Signal::derive(move || status.value().get().and_then(Result::err));
    let options: Vec<(String, String)> = console
        .course_certificates
        .iter()
        .filter(|c| c.is_active)
        .map(|c| {
            (
                format!("course:{}:{}", c.course_key, c.certificate_type),
                format!("{} — {}", c.course_key, c.certificate_type),
            )
        })
        .chain(
            console
                .program_certificates
                .iter()
                .filter(|c| c.is_active)
                .map(|c| (format!("program:{}", c.program_id), format!("Program: {}", c.program_title))),
        )
        .collect();
    let options = StoredValue::new(options);
    view! {
        <section id="learner-credentials" class="card mt-6" aria-labelledby="lc-heading">
            <h2 id="lc-heading" class="font-semibold">"A learner's credentials"</h2>
            <form method="get" action="/admin/credentials#learner-credentials" class="mt-2 flex items-end gap-3">
                <div>
                    <label for="lc-username" class="block text-sm font-medium text-slate-700">"Username"</label>
                    <input id="lc-username" name="learner" class="input mt-1" value=username required=true />
                </div>
                <button type="submit" class="btn-secondary">"Show credentials"</button>
            </form>
            <div class="mt-3"><ActionErrors error=status_error /></div>
            <Transition fallback=|| view! { <p class="mt-3 text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(rows)) => view! {
                            <table class="mt-3 min-w-full text-sm" data-testid="learner-credentials">
                                <thead class="text-left text-slate-600"><tr>
                                    <th scope="col" class="py-1 pr-3">"Credential"</th><th scope="col" class="py-1 pr-3">"Status"</th>
                                    <th scope="col" class="py-1 pr-3">"Since"</th><th scope="col" class="py-1 pr-3">"UUID"</th>
                                    <th scope="col" class="py-1"><span class="sr-only">"Actions"</span></th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {rows.into_iter().map(|c| {
                                        let target = if c.status == "awarded" { "revoked" } else { "awarded" };
                                        let label = if c.status == "awarded" { "Revoke" } else { "Award again" };
                                        let what = match (&c.credential.course_run_key, &c.credential.mode) {
                                            (Some(run), Some(mode)) => format!("{} ({run}, {mode})", c.title),
                                            _ => format!("{} (program)", c.title),
                                        };
                                        view! {
                                            <tr>
                                                <td class="py-1 pr-3">{what}
                                                    <span class="block text-xs text-slate-500">{c.attributes.iter().map(|a| format!("{}: {}", a.name, a.value)).collect::<Vec<_>>().join(" · ")}</span>
                                                </td>
                                                <td class="py-1 pr-3">{c.status.clone()}</td>
                                                <td class="py-1 pr-3">{c.modified.get(..10).unwrap_or_default().to_owned()}</td>
                                                <td class="py-1 pr-3 font-mono text-xs">{c.uuid.clone()}</td>
                                                <td class="py-1">
                                                    <ActionForm action=status>
                                                        <input type="hidden" name="uuid" value=c.uuid.clone() />
                                                        <input type="hidden" name="status" value=target />
                                                        <button type="submit" class=if target == "revoked" { "btn-danger" } else { "btn-secondary" }>{label}</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <div class="mt-3"><PageError error /></div> }.into_any(),
                    }
                })}
            </Transition>
            {move || (!username().is_empty()).then(|| view! {
                <h3 class="mt-4 text-sm font-semibold">"Award a certificate"</h3>
                <div class="mt-2"><ActionErrors error=award_error /></div>
                {saved(award, "Awarded.")}
                <ActionForm action=award attr:class="flex flex-wrap items-end gap-3">
                    <input type="hidden" name="username" value=username() />
                    <div>
                        <label for="lc-certificate" class="block text-sm font-medium text-slate-700">"Certificate"</label>
                        <select id="lc-certificate" name="certificate" class="input mt-1" required=true>
                            {options.get_value().into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="btn-primary">"Award"</button>
                </ActionForm>
            })}
        </section>
    }
}
