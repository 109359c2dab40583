//! The data table every list uses: a labelled, horizontally scrollable region around a `<table>`
//! with its header row, one padding style for every cell, and an optional empty state.
//!
//! Owns: the frame, the header cells (`<th scope="col">`), cell padding, the scroll behaviour on
//! narrow screens (the table scrolls inside its region, with shadows at the edges that still hide
//! columns, so the page itself never scrolls sideways) and the empty state.
//! Must not: fetch data, hold state, decide what a row shows (pages render their own `<tr>`s), or
//! add visible text a page did not pass in.

use leptos::prelude::*;

/// The region around the table: scrolls sideways on its own (positioned, so a column's screen-reader
/// header, absolutely placed, stays inside it instead of widening the page), is focusable so keyboard
/// users can scroll it, never widens its container (inline-size containment), and shows a shadow at an edge
/// while columns are hidden past it (white covers that scroll with the content hide the shadows at
/// either end; pure CSS, so it works without JavaScript).
const REGION: &str = "relative overflow-x-auto [contain:inline-size] bg-no-repeat [background-image:linear-gradient(to_right,white_30%,rgb(255_255_255/0)),linear-gradient(to_left,white_30%,rgb(255_255_255/0)),radial-gradient(farthest-side_at_0_50%,rgb(15_23_42/0.2),rgb(15_23_42/0)),radial-gradient(farthest-side_at_100%_50%,rgb(15_23_42/0.2),rgb(15_23_42/0))] [background-position:left_center,right_center,left_center,right_center] [background-size:2.5rem_100%,2.5rem_100%,0.875rem_100%,0.875rem_100%] [background-attachment:local,local,scroll,scroll] focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600";

/// A table standing on the page (not inside a card): white, bordered and rounded.
const FRAME: &str = "rounded-lg border border-slate-200 bg-white";

/// The one padding style of every header and body cell, set once on the table.
const TABLE: &str = "min-w-full text-sm [&_td]:px-3 [&_td]:py-2 [&_th]:px-3 [&_th]:py-2";
const TABLE_SMALL: &str = "min-w-full text-xs [&_td]:px-3 [&_td]:py-2 [&_th]:px-3 [&_th]:py-2";

const HEAD: &str = "text-slate-600";
const HEAD_FRAMED: &str = "bg-slate-50 text-slate-600";

const BODY: &str = "divide-y divide-slate-100";
const BODY_TOP: &str = "divide-y divide-slate-100 align-top";

/// How a column's header is aligned (its cells align themselves: `text-right` on the `<td>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Right,
    Center,
}

impl Align {
    const fn class(self) -> &'static str {
        match self {
            Self::Left => "text-left",
            Self::Right => "text-right",
            Self::Center => "text-center",
        }
    }
}

/// One header cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    label: &'static str,
    align: Align,
    hidden: bool,
}

impl Column {
    /// A left-aligned header.
    #[must_use]
    pub const fn new(label: &'static str) -> Self {
        Self { label, align: Align::Left, hidden: false }
    }

    /// A right-aligned header (numbers, row controls).
    #[must_use]
    pub const fn right(label: &'static str) -> Self {
        Self { label, align: Align::Right, hidden: false }
    }

    /// A centred header (a grid of marks or checkboxes).
    #[must_use]
    pub const fn center(label: &'static str) -> Self {
        Self { label, align: Align::Center, hidden: false }
    }

    /// A header only screen readers announce, for a column of buttons ("Actions").
    #[must_use]
    pub const fn hidden(label: &'static str) -> Self {
        Self { label, align: Align::Left, hidden: true }
    }
}

/// A data table. `rows` are rendered in order by `row`, which returns one `<tr>` whose cells follow
/// `columns` (`<td>`, or `<th scope="row">` for a row header); cells get their padding from here, so
/// they carry no padding classes of their own.
///
/// Pass `rows` before `row` so the row closure's argument type is known.
#[component]
pub fn DataTable<T, R, V>(
    /// Names the table and its scroll region for assistive technology (never shown). Keep it
    /// distinct from the labels of the page's form fields and regions.
    label: &'static str,
    /// The header cells, in order.
    #[prop(into)]
    columns: Vec<Column>,
    /// The rows' data, in order.
    rows: Vec<T>,
    /// Renders one row.
    row: R,
    /// The table's `data-testid`.
    #[prop(optional)]
    testid: Option<&'static str>,
    /// Spacing around the region (`mt-4`, …).
    #[prop(optional)]
    class: &'static str,
    /// A table standing on the page rather than inside a card: white, bordered, shaded header.
    #[prop(optional)]
    framed: bool,
    /// Align cells to the top of their row (rows whose cells differ in height).
    #[prop(optional)]
    align_top: bool,
    /// Extra-small text, for wide reference grids.
    #[prop(optional)]
    small: bool,
    /// With no rows: one row across every column saying so.
    #[prop(optional)]
    empty_row: Option<&'static str>,
    /// With no rows: this view instead of the whole table (wins over `empty_row`).
    #[prop(optional, into)]
    empty: Option<ViewFn>,
) -> AnyView
where
    R: FnMut(T) -> V,
    V: IntoView + 'static,
{
    if rows.is_empty() {
        if let Some(empty) = empty {
            return empty.run();
        }
    }
    let span = columns.len();
    let no_rows = rows.is_empty().then_some(empty_row).flatten().map(|message| {
        view! { <tr><td colspan=span class="text-slate-600">{message}</td></tr> }
    });
    let region = match (framed, class.is_empty()) {
        (false, true) => REGION.to_owned(),
        (false, false) => format!("{class} {REGION}"),
        (true, true) => format!("{FRAME} {REGION}"),
        (true, false) => format!("{class} {FRAME} {REGION}"),
    };
    let head = columns
        .into_iter()
        .map(|c| {
            if c.hidden {
                view! { <th scope="col" class=c.align.class()><span class="sr-only">{c.label}</span></th> }
                    .into_any()
            } else {
                view! { <th scope="col" class=c.align.class()>{c.label}</th> }.into_any()
            }
        })
        .collect_view();
    let body = rows.into_iter().map(row).collect_view();
    view! {
        <div role="region" aria-label=label tabindex="0" class=region>
            <table class=if small { TABLE_SMALL } else { TABLE } aria-label=label data-testid=testid>
                <thead class=if framed { HEAD_FRAMED } else { HEAD }>
                    <tr>{head}</tr>
                </thead>
                <tbody class=if align_top { BODY_TOP } else { BODY }>{body}{no_rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
