//! Form fields with a label, a hint and the error that concerns them, shown next to the field.

use crate::error::ApiError;
use leptos::prelude::*;

/// A labelled input whose error comes from the last failed submission of its form.
#[component]
pub fn Field(
    /// The input's `name` (and the error's field).
    name: &'static str,
    /// The visible label.
    label: &'static str,
    /// The input type (`text`, `email`, `password`, …).
    #[prop(default = "text")]
    kind: &'static str,
    /// The browser's autocomplete hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// A short hint under the field.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The last error of the form.
    #[prop(into)]
    error: Signal<Option<ApiError>>,
    #[prop(default = true)] required: bool,
    /// The element id, when a page has two forms with the same field (default `field-{name}`).
    #[prop(optional)]
    id: Option<String>,
    /// The value it starts with (a link may fill it in).
    #[prop(optional, into)]
    value: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let message = move || error.get().and_then(|e| e.field(name));
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block text-sm font-medium text-slate-700">{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                aria-invalid=move || if message().is_some() { "true" } else { "false" }
                aria-describedby=described
                class="input mt-1"
            />
            {hint.map(|h| view! { <p id=hint_id class="mt-1 text-xs text-slate-500">{h}</p> })}
            {move || message().map(|m| view! { <p id=error_id.clone() class="mt-1 text-sm text-red-700">{m}</p> })}
        </div>
    }
}
