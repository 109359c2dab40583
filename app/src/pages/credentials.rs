//! The console's credentials administration (`/admin/credentials`, global staff): this site's
//! configuration, signatories (image upload), programs with their course runs, course and program
//! certificate configurations, pathways, and a learner's credentials (award, revoke). Each list's
//! "Edit" opens its form filled in (`?edit=<id>`); every form posts without JavaScript too.

use crate::api::records::{
    get_credentials_console, get_learner_credentials, AwardCredential, SaveCourseCertificate, SavePathway,
    SaveProgram, SaveProgramCertificate, SetCredentialStatus, UpdateSite,
};
use crate::components::async_section::AsyncSection;
use crate::components::console_nav::ConsoleNav;
use crate::components::form_parts::{
    ButtonKind, CheckField, FormErrors, Labeled, Notice, SubmitButton, TextField,
};
use crate::components::table::{Column, DataTable};
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
    move || action.value().get().and_then(Result::ok).map(|_| view! { <Notice class="mb-3">{what}</Notice> })
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
        <AsyncSection resource=data class="mt-6" let:console>
            <SiteSection config=console.site.clone() site />
            <SignatoriesSection signatories=console.signatories.clone() />
            <ProgramsSection programs=console.programs.clone() program />
            <CourseCertificatesSection console=console.clone() course_cert />
            <ProgramCertificatesSection console=console.clone() program_cert />
            <PathwaysSection console=console.clone() pathway />
            <LearnerCredentials console />
        </AsyncSection>
    }
}

fn edit_id() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("edit").unwrap_or_default())
}

#[component]
fn SiteSection(config: SiteConfig, site: ServerAction<UpdateSite>) -> impl IntoView {
    let error = Signal::derive(move || site.value().get().and_then(Result::err));
    let c = config;
    view! {
        <section id="site" class="card mt-6" aria-labelledby="site-heading">
            <h2 id="site-heading" class="font-semibold">"Site configuration"</h2>
            <p class="text-xs text-slate-500">{format!("Site {} — one configuration per site; `registrar create-or-update-site` edits any site.", c.domain)}</p>
            <FormErrors class="mt-3" error />
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
                <div class="md:col-span-2"><SubmitButton>"Save site configuration"</SubmitButton></div>
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
            {move || added().then(|| view! { <Notice class="mt-2">"Signatory added."</Notice> })}
            <form method="post" action="/api/console/signatories" enctype="multipart/form-data" class="mt-2 grid gap-3 md:grid-cols-2">
                <TextField id="signatory-name" name="name" label="Name" value=String::new() required=true />
                <TextField id="signatory-title" name="title" label="Title" value=String::new() required=true />
                <TextField id="signatory-org" name="organization_name_override" label="Organization name (if not the issuing org's)" value=String::new() />
                <Labeled id="signatory-image" label="Signature image (PNG, JPEG or SVG, at most 250 KB)">
                    <input id="signatory-image" name="image" type="file" accept="image/png,image/jpeg,image/svg+xml" class="mt-1 text-sm" required=true />
                </Labeled>
                <div class="md:col-span-2"><SubmitButton>"Add signatory"</SubmitButton></div>
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
            <DataTable
                label="Programs"
                columns=[Column::new("Title"), Column::new("Type"), Column::new("Status"), Column::new("Organizations"), Column::new("Course runs"), Column::hidden("Actions")]
                rows=programs
                row=|p| {
                    let href = format!("/admin/credentials?edit={}#programs", p.id);
                    view! {
                        <tr>
                            <td class="font-medium">{p.title}<span class="block text-xs text-slate-500">{p.id}</span></td>
                            <td>{p.program_type}</td>
                            <td>{p.status}</td>
                            <td>{p.orgs.join(", ")}</td>
                            <td class="text-xs">{p.courses.join(" · ")}</td>
                            <td><a class="link" href=href>"Edit"</a></td>
                        </tr>
                    }
                }
                testid="programs"
                class="mt-2"
            />
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the program" } else { "Add a program" }}</h3>
            <FormErrors class="mt-2" error />
            {saved(program, "Program saved.")}
            <ActionForm action=program attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=e.id.clone() />
                <TextField id="program-title" name="title" label="Title" value=e.title.clone() required=true />
                <TextField id="program-type" name="program_type" label="Type (MicroMasters, Professional Certificate…)" value=e.program_type.clone() required=true />
                <Labeled id="program-status" label="Status">
                    <select id="program-status" name="status" class="input mt-1">
                        {["active", "retired", "unpublished", "deleted"].into_iter().map(|s| view! { <option value=s selected=s == e.status>{s}</option> }).collect_view()}
                    </select>
                </Labeled>
                <TextField id="program-orgs" name="orgs" label="Authoring organizations (keys, comma-separated)" value=e.orgs.join(", ") required=true />
                <TextField id="program-hours" name="hours" label="Total hours of effort (optional)" value=e.total_hours_of_effort.map(|h| h.to_string()).unwrap_or_default() kind="number" />
                <Labeled id="program-courses" label="Course runs, one per line, in order" class="md:col-span-2">
                    <textarea id="program-courses" name="courses" rows="4" class="input mt-1 w-full font-mono text-xs">{e.courses.join("\n")}</textarea>
                </Labeled>
                <div class="md:col-span-2"><SubmitButton>"Save program"</SubmitButton></div>
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
    let type_options = registrar::records::CertificateType::ALL
        .into_iter()
        .map(|t| (t.as_str(), t.label()))
        .map(|(v, l)| {
            let selected = editing.as_ref().is_some_and(|c| c.certificate_type == v);
            view! { <option value=v selected=selected>{l}</option> }
        })
        .collect_view();
    view! {
        <section id="course-certificates" class="card mt-6" aria-labelledby="cc-heading">
            <h2 id="cc-heading" class="font-semibold">"Course certificate configurations"</h2>
            <p class="text-xs text-slate-500">"One per site, course run and type. The LMS creates missing ones (active) when it awards."</p>
            <DataTable
                label="Configured course certificates"
                columns=[Column::new("Course run"), Column::new("Type"), Column::new("Available"), Column::new("Active"), Column::new("Signatories"), Column::right("Awarded"), Column::hidden("Actions")]
                rows=console.course_certificates.clone()
                row=|c| {
                    let href = format!("/admin/credentials?edit={}#course-certificates", c.id);
                    view! {
                        <tr>
                            <td>{c.course_key}<span class="block text-xs text-slate-500">{c.title}</span></td>
                            <td>{c.certificate_type}</td>
                            <td>{c.available_at.map(format_date).unwrap_or_else(|| "at once".to_owned())}</td>
                            <td>{if c.is_active { "yes" } else { "no" }}</td>
                            <td>{signatory_names(&console.signatories, &c.signatories)}</td>
                            <td class="text-right tabular-nums">{c.awarded}</td>
                            <td><a class="link" href=href>"Edit"</a></td>
                        </tr>
                    }
                }
                testid="course-certificates"
                class="mt-2"
            />
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the configuration" } else { "Add a configuration" }}</h3>
            <FormErrors class="mt-2" error />
            {saved(course_cert, "Course certificate configuration saved.")}
            <ActionForm action=course_cert attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=editing.as_ref().map(|c| c.id.clone()).unwrap_or_default() />
                <TextField id="cc-course" name="course_key" label="Course run" value=editing.as_ref().map(|c| c.course_key.clone()).unwrap_or_default() required=true />
                <Labeled id="cc-type" label="Certificate type">
                    <select id="cc-type" name="certificate_type" class="input mt-1">{type_options}</select>
                </Labeled>
                <TextField id="cc-title" name="title" label="Title (optional, overrides the course name)" value=editing.as_ref().and_then(|c| c.title.clone()).unwrap_or_default() />
                <TextField id="cc-available" name="available" label="Available from (optional)" value=editing.as_ref().and_then(|c| c.available_at).map(format_date).unwrap_or_default() kind="date" />
                <CheckField name="active" label="Active" checked=editing.as_ref().is_none_or(|c| c.is_active) />
                <SignatoryChecks prefix="cc" signatories=console.signatories.clone() chosen=editing.as_ref().map(|c| c.signatories.clone()).unwrap_or_default() />
                <div class="md:col-span-2"><SubmitButton>"Save configuration"</SubmitButton></div>
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
    let program_options = console
        .programs
        .iter()
        .map(|p| {
            let selected = editing.as_ref().is_some_and(|c| c.program_id == p.id);
            view! { <option value=p.id.clone() selected=selected>{p.title.clone()}</option> }
        })
        .collect_view();
    view! {
        <section id="program-certificates" class="card mt-6" aria-labelledby="pc-heading">
            <h2 id="pc-heading" class="font-semibold">"Program certificate configurations"</h2>
            <DataTable
                label="Configured program certificates"
                columns=[Column::new("Program"), Column::new("Language"), Column::new("Active"), Column::new("Signatories"), Column::right("Awarded"), Column::hidden("Actions")]
                rows=console.program_certificates.clone()
                row=|c| {
                    let href = format!("/admin/credentials?edit={}#program-certificates", c.id);
                    view! {
                        <tr>
                            <td>{c.program_title}</td>
                            <td>{c.language.unwrap_or_else(|| "default".to_owned())}</td>
                            <td>{if c.is_active { "yes" } else { "no" }}</td>
                            <td>{signatory_names(&console.signatories, &c.signatories)}</td>
                            <td class="text-right tabular-nums">{c.awarded}</td>
                            <td><a class="link" href=href>"Edit"</a></td>
                        </tr>
                    }
                }
                testid="program-certificates"
                class="mt-2"
            />
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the configuration" } else { "Add a configuration" }}</h3>
            <FormErrors class="mt-2" error />
            {saved(program_cert, "Program certificate configuration saved.")}
            <ActionForm action=program_cert attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=editing.as_ref().map(|c| c.id.clone()).unwrap_or_default() />
                <Labeled id="pc-program" label="Program">
                    <select id="pc-program" name="program" class="input mt-1" required=true>{program_options}</select>
                </Labeled>
                <TextField id="pc-language" name="language" label="Language (optional locale, e.g. en)" value=editing.as_ref().and_then(|c| c.language.clone()).unwrap_or_default() />
                <CheckField name="use_org_name" label="Show the organization's full name" checked=editing.as_ref().is_some_and(|c| c.use_org_name) />
                <CheckField name="include_hours_of_effort" label="Include hours of effort" checked=editing.as_ref().is_some_and(|c| c.include_hours_of_effort) />
                <CheckField name="active" label="Active" checked=editing.as_ref().is_none_or(|c| c.is_active) />
                <SignatoryChecks prefix="pc" signatories=console.signatories.clone() chosen=editing.as_ref().map(|c| c.signatories.clone()).unwrap_or_default() />
                <div class="md:col-span-2"><SubmitButton>"Save configuration"</SubmitButton></div>
            </ActionForm>
        </section>
    }
}

#[component]
fn PathwaysSection(console: CredentialsConsole, pathway: ServerAction<SavePathway>) -> impl IntoView {
    let error = Signal::derive(move || pathway.value().get().and_then(Result::err));
    let edit = edit_id();
    let editing = console.pathways.iter().find(|p| p.id == edit.get_untracked()).cloned();
    let type_options = ["credit", "industry"]
        .into_iter()
        .map(|t| view! { <option value=t selected=editing.as_ref().is_some_and(|p| p.pathway_type == t)>{t}</option> })
        .collect_view();
    let status_options = ["published", "unpublished", "retired"]
        .into_iter()
        .map(|s| view! { <option value=s selected=editing.as_ref().is_some_and(|p| p.status == s)>{s}</option> })
        .collect_view();
    let title_of = |id: &str| {
        console.programs.iter().find(|p| p.id == id).map_or_else(|| id.to_owned(), |p| p.title.clone())
    };
    view! {
        <section id="pathways" class="card mt-6" aria-labelledby="pathways-heading">
            <h2 id="pathways-heading" class="font-semibold">"Pathways"</h2>
            <p class="text-xs text-slate-500">"Learners can send a record only to published credit pathways that have an email and include the program."</p>
            <DataTable
                label="Pathways"
                columns=[Column::new("Name"), Column::new("Organization"), Column::new("Email"), Column::new("Type"), Column::new("Status"), Column::new("Programs"), Column::hidden("Actions")]
                rows=console.pathways.clone()
                row=|p| {
                    let href = format!("/admin/credentials?edit={}#pathways", p.id);
                    let programs: Vec<String> = p.programs.iter().map(|id| title_of(id)).collect();
                    view! {
                        <tr>
                            <td class="font-medium">{p.name}</td>
                            <td>{p.org_name}</td>
                            <td>{p.email}</td>
                            <td>{p.pathway_type}</td>
                            <td>{p.status}</td>
                            <td>{programs.join(", ")}</td>
                            <td><a class="link" href=href>"Edit"</a></td>
                        </tr>
                    }
                }
                testid="pathways"
                class="mt-2"
            />
            <h3 class="mt-4 text-sm font-semibold">{if editing.is_some() { "Edit the pathway" } else { "Add a pathway" }}</h3>
            <FormErrors class="mt-2" error />
            {saved(pathway, "Pathway saved.")}
            <ActionForm action=pathway attr:class="grid gap-3 md:grid-cols-2">
                <input type="hidden" name="id" value=editing.as_ref().map(|p| p.id.clone()).unwrap_or_default() />
                <TextField id="pathway-name" name="name" label="Name" value=editing.as_ref().map(|p| p.name.clone()).unwrap_or_default() required=true />
                <TextField id="pathway-org" name="org_name" label="Organization" value=editing.as_ref().map(|p| p.org_name.clone()).unwrap_or_default() required=true />
                <TextField id="pathway-email" name="email" label="Email (where records are sent)" value=editing.as_ref().map(|p| p.email.clone()).unwrap_or_default() kind="email" />
                <Labeled id="pathway-type" label="Type">
                    <select id="pathway-type" name="pathway_type" class="input mt-1">{type_options}</select>
                </Labeled>
                <Labeled id="pathway-status" label="Status">
                    <select id="pathway-status" name="status" class="input mt-1">{status_options}</select>
                </Labeled>
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
                <div class="md:col-span-2"><SubmitButton>"Save pathway"</SubmitButton></div>
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
                <Labeled id="lc-username" label="Username">
                    <input id="lc-username" name="learner" class="input mt-1" value=username required=true />
                </Labeled>
                <SubmitButton kind=ButtonKind::Secondary>"Show credentials"</SubmitButton>
            </form>
            <FormErrors class="mt-3" error=status_error />
            <AsyncSection resource=data class="mt-3" let:rows>
                {match rows {
                    Some(rows) => view! {
                        <DataTable
                            label="The learner's credentials"
                            columns=[Column::new("Credential"), Column::new("Status"), Column::new("Since"), Column::new("UUID"), Column::hidden("Actions")]
                            rows=rows
                            row=|c| {
                                let target = if c.status == "awarded" { "revoked" } else { "awarded" };
                                let label = if c.status == "awarded" { "Revoke" } else { "Award again" };
                                let what = match (&c.credential.course_run_key, &c.credential.mode) {
                                    (Some(run), Some(mode)) => format!("{} ({run}, {mode})", c.title),
                                    _ => format!("{} (program)", c.title),
                                };
                                view! {
                                    <tr>
                                        <td>{what}
                                            <span class="block text-xs text-slate-500">{c.attributes.iter().map(|a| format!("{}: {}", a.name, a.value)).collect::<Vec<_>>().join(" · ")}</span>
                                        </td>
                                        <td>{c.status.clone()}</td>
                                        <td>{c.modified.get(..10).unwrap_or_default().to_owned()}</td>
                                        <td class="font-mono text-xs">{c.uuid.clone()}</td>
                                        <td>
                                            <ActionForm action=status>
                                                <input type="hidden" name="uuid" value=c.uuid.clone() />
                                                <input type="hidden" name="status" value=target />
                                                <button type="submit" class=if target == "revoked" { "btn-danger" } else { "btn-secondary" }>{label}</button>
                                            </ActionForm>
                                        </td>
                                    </tr>
                                }
                            }
                            testid="learner-credentials"
                            class="mt-3"
                        />
                    }.into_any(),
                    None => ().into_any(),
                }}
            </AsyncSection>
            {move || (!username().is_empty()).then(|| view! {
                <h3 class="mt-4 text-sm font-semibold">"Award a certificate"</h3>
                <FormErrors class="mt-2" error=award_error />
                {saved(award, "Awarded.")}
                <ActionForm action=award attr:class="flex flex-wrap items-end gap-3">
                    <input type="hidden" name="username" value=username() />
                    <Labeled id="lc-certificate" label="Certificate">
                        <select id="lc-certificate" name="certificate" class="input mt-1" required=true>
                            {options.get_value().into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
                        </select>
                    </Labeled>
                    <SubmitButton>"Award"</SubmitButton>
                </ActionForm>
            })}
        </section>
    }
}
