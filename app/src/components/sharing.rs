//! Pieces shared by the team pages (course team, library, console): success notices, the end-date
//! field, inherited access, "explain access" answers and the history list.

use crate::components::form_parts::{ButtonKind, Labeled, SubmitButton};
use crate::error::ApiError;
use crate::model::{format_date, AccessExplanation, HistoryEntry, InheritedAccess, TeamChange};
use leptos::prelude::*;

/// "until 2027-01-31" for a grant that ends (the stored moment is the midnight after the last day).
#[must_use]
pub fn ends_text(expires_at: Option<i64>) -> Option<String> {
    expires_at.map(|at| format!("until {}", format_date(at - 1)))
}

/// The green line an action shows when it worked (JavaScript on; without it the page reloads with
/// the change in place).
#[component]
pub fn ChangeNotice(#[prop(into)] result: Signal<Option<Result<TeamChange, ApiError>>>) -> impl IntoView {
    move || {
        result.get().and_then(Result::ok).map(|change| {
            view! {
                <p role="status" class="mb-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-800">
                    {change.message}
                </p>
            }
        })
    }
}

/// An optional "last day" date input for expiring grants.
#[component]
pub fn EndDateField(id: String, #[prop(optional)] value: Option<i64>) -> impl IntoView {
    let value = value.map(|at| format_date(at - 1)).unwrap_or_default();
    view! {
        <Labeled id=id.clone() label="Until (optional)">
            <input id=id name="expires" type="date" class="input mt-1" value=value />
        </Labeled>
    }
}

/// Access that does not come from the team's own list.
#[component]
pub fn InheritedList(rows: Vec<InheritedAccess>, #[prop(optional)] more_staff: i64) -> impl IntoView {
    let shown =
        i64::try_from(rows.iter().filter(|r| r.source == "Global staff" || r.source == "Superuser").count())
            .unwrap_or(0);
    let more = more_staff - shown;
    view! {
        <section class="card mt-6" aria-labelledby="inherited-heading" data-testid="inherited">
            <h2 id="inherited-heading" class="font-semibold">"Inherited access"</h2>
            <p class="text-sm text-slate-600">"These people have access without being on the list above: through an organization-wide grant or as global staff. Change it in the admin console."</p>
            {if rows.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-600">"Nobody has inherited access."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-100 text-sm">
                        {rows.into_iter().map(|r| view! {
                            <li class="flex flex-wrap items-baseline gap-x-3 py-1.5">
                                <span class="font-medium">{r.username}</span>
                                <span class="text-slate-600">{r.full_name}</span>
                                <span class="badge">{r.access}</span>
                                <span class="text-xs text-slate-500">"Inherited: " {r.source}</span>
                                {ends_text(r.expires_at).map(|t| view! { <span class="text-xs text-amber-700">{t}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(more > 0).then(|| view! { <p class="mt-2 text-xs text-slate-500">"and " {more} " more global staff"</p> })}
        </section>
    }
}

/// The answer to "explain access".
#[component]
pub fn ExplanationView(explanation: AccessExplanation) -> impl IntoView {
    let AccessExplanation { username, full_name, is_active, target, sources, allowed } = explanation;
    view! {
        <div class="mt-4 rounded-md border border-slate-200 bg-slate-50 p-4 text-sm" data-testid="explanation">
            <p>
                <strong>{username.clone()}</strong> " (" {full_name} ") on " <span class="font-mono">{target}</span>
                {(!is_active).then(|| view! { <span class="ml-2 badge bg-red-50 text-red-700">"inactive: no access"</span> })}
            </p>
            {if sources.is_empty() {
                view! { <p class="mt-2 text-slate-600">"No grant gives " {username} " access here."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 space-y-2">
                        {sources.into_iter().map(|s| view! {
                            <li class=if s.expired { "text-slate-500 line-through" } else { "" }>
                                <span class="font-medium">{s.grant}</span> " — " {s.scope}
                                {ends_text(s.expires_at).map(|t| view! { <span class="ml-1 text-xs text-amber-700">{t}</span> })}
                                {s.expired.then(|| view! { <span class="ml-1 text-xs">"(ended)"</span> })}
                                {(!s.allows.is_empty()).then(|| view! { <span class="block text-xs text-slate-600">"Allows: " {s.allows.join(", ")}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p class="mt-3">
                <span class="font-medium">"Altogether they may: "</span>
                {if allowed.is_empty() { "nothing here".to_owned() } else { allowed.join(", ") }}
            </p>
        </div>
    }
}

/// A GET form asking "explain access" for a user (works without JavaScript: the answer is part of the
/// page addressed by `?explain=`), with the answer below it.
#[component]
pub fn ExplainSection(
    /// The page's own path (the form submits to it).
    action: String,
    /// The user asked about, from the query.
    asked: String,
    answer: Option<Result<AccessExplanation, ApiError>>,
) -> impl IntoView {
    view! {
        <section class="card mt-6" aria-labelledby="explain-heading" data-testid="explain">
            <h2 id="explain-heading" class="font-semibold">"Explain access"</h2>
            <p class="text-sm text-slate-600">"Every grant that gives someone access here — direct, through a group, organization-wide, global or implied — and what each allows."</p>
            <form method="get" action=action class="mt-3 flex flex-wrap items-end gap-3">
                <Labeled id="explain-user" label="Username or email" class="min-w-64 flex-1">
                    <input id="explain-user" name="explain" class="input mt-1" value=asked required=true />
                </Labeled>
                <SubmitButton kind=ButtonKind::Secondary>"Explain"</SubmitButton>
            </form>
            {answer.map(|a| match a {
                Ok(explanation) => view! { <ExplanationView explanation /> }.into_any(),
                Err(error) => view! { <p role="alert" class="mt-3 text-sm text-red-700">{error.to_string()}</p> }.into_any(),
            })}
        </section>
    }
}

/// A team's history, newest first.
#[component]
pub fn HistoryList(entries: Vec<HistoryEntry>) -> impl IntoView {
    view! {
        <section class="card mt-6" aria-labelledby="history-heading" data-testid="history">
            <h2 id="history-heading" class="font-semibold">"History"</h2>
            {if entries.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-600">"No changes recorded yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mt-3 divide-y divide-slate-100 text-sm">
                        {entries.into_iter().map(|e| view! {
                            <li class="py-1.5">
                                <span class="text-slate-500">{format_date(e.at)}</span> " "
                                <span class="font-medium">{e.actor}</span> " " {e.summary}
                                {e.reason.map(|r| view! { <span class="block text-xs text-slate-500">{r}</span> })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}
