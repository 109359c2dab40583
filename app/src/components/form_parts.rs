//! The small pieces console and team forms repeat: a label above its control, a plain text field,
//! a checkbox with its label, a submit button, the slot where a form's errors appear and the green
//! line an action shows when it worked. Each renders exactly the markup pages wrote by hand.
//!
//! Owns: the markup and classes of those pieces. Must not: hold state, call the server, or decide
//! what a form submits; the labels, names and values all come from the page. Fields that show
//! their own error and hint live in `form.rs` (`Field`); team-page notices in `sharing.rs`.

use crate::error::ApiError;
use leptos::prelude::*;

/// A label above its control: `<div><label for=id …>label</label>{control}</div>`. The control
/// (input, select, textarea) is written by the page and must carry the same `id`.
#[component]
pub fn Labeled(
    /// The control's id.
    #[prop(into)]
    id: String,
    /// The visible label.
    label: &'static str,
    /// Classes of the wrapper (grid placement, width), if any.
    #[prop(optional)]
    class: Option<&'static str>,
    /// The control.
    children: Children,
) -> impl IntoView {
    view! {
        <div class=class>
            <label for=id class="block text-sm font-medium text-slate-700">{label}</label>
            {children()}
        </div>
    }
}

/// A labelled text-like input filled with a value (the credentials console's fields).
#[component]
pub fn TextField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    #[prop(optional)] required: bool,
    /// The input type (`text` unless given: `url`, `email`, `date`, `number`).
    #[prop(optional)]
    kind: Option<&'static str>,
) -> impl IntoView {
    view! {
        <Labeled id label>
            <input id=id name=name type=kind.unwrap_or("text") class="input mt-1 w-full" value=value required=required />
        </Labeled>
    }
}

/// A checkbox inside its label.
#[component]
pub fn CheckField(
    name: &'static str,
    label: &'static str,
    #[prop(optional)] checked: bool,
    /// Extra classes of the label (grid placement).
    #[prop(optional)]
    class: Option<&'static str>,
) -> impl IntoView {
    let class = class.map_or_else(
        || "flex items-center gap-2 text-sm".to_owned(),
        |extra| format!("flex items-center gap-2 text-sm {extra}"),
    );
    view! {
        <label class=class>
            <input type="checkbox" name=name checked=checked />
            {label}
        </label>
    }
}

/// The look of a submit button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ButtonKind {
    #[default]
    Primary,
    Secondary,
    Danger,
}

impl ButtonKind {
    const fn class(self) -> &'static str {
        match self {
            Self::Primary => "btn-primary",
            Self::Secondary => "btn-secondary",
            Self::Danger => "btn-danger",
        }
    }
}

/// `<button type="submit" class="btn-…">label</button>`, disabled while `pending` (when given).
#[component]
pub fn SubmitButton(
    #[prop(optional)] kind: ButtonKind,
    /// Disables the button while the action runs (JavaScript on; a plain post has no such state).
    #[prop(optional, into)]
    pending: Option<Signal<bool>>,
    /// Classes after the button's own (spacing, width).
    #[prop(optional)]
    class: Option<&'static str>,
    /// The label.
    children: Children,
) -> impl IntoView {
    let class = class.map_or_else(|| kind.class().to_owned(), |extra| format!("{} {extra}", kind.class()));
    match pending {
        Some(pending) => {
            view! { <button type="submit" class=class disabled=move || pending.get()>{children()}</button> }
                .into_any()
        }
        None => view! { <button type="submit" class=class>{children()}</button> }.into_any(),
    }
}

/// Where a form's errors appear: `<div class=…>{notice}<ActionErrors error /></div>`. The wrapper is
/// always there (it keeps the form from jumping); `children`, if any, go first (a `ChangeNotice`).
#[component]
pub fn FormErrors(
    /// The wrapper's spacing (`mt-2`, `mt-3`, `mt-4`).
    class: &'static str,
    #[prop(into)] error: Signal<Option<ApiError>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    match children {
        Some(notice) => view! { <div class=class>{notice()}<ActionErrors error /></div> }.into_any(),
        None => view! { <div class=class><ActionErrors error /></div> }.into_any(),
    }
}

/// The green line an action shows when it worked (JavaScript on; without it the page reloads with
/// the change in place).
#[component]
pub fn Notice(
    /// Spacing before the line's own classes (`mb-3`, `mt-2`, …), if any.
    #[prop(optional)]
    class: Option<&'static str>,
    /// The message.
    children: Children,
) -> impl IntoView {
    let class = class.map_or_else(
        || "rounded-md bg-green-50 p-3 text-sm text-green-800".to_owned(),
        |spacing| format!("{spacing} rounded-md bg-green-50 p-3 text-sm text-green-800"),
    );
    view! { <p role="status" class=class>{children()}</p> }
}

/// Every message of a failed action, field errors included (for compact forms whose fields have no
/// room for their own message).
#[component]
pub fn ActionErrors(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <div role="alert" class="mb-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
                    {e.errors().into_iter().map(|m| view! { <p>{m.message}</p> }).collect_view()}
                </div>
            }
        })
    }
}
