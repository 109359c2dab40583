//! The page frame: the session context, the header with navigation, and the main area.
//!
//! Navigation shows only what the signed-in user may use, decided from `CurrentUser` (cosmetic: the
//! server re-checks every request through the Gate).

use crate::api::session::{get_current_user, Logout};
use crate::components::form_parts::{ButtonKind, SubmitButton};
use crate::error::ApiError;
use crate::model::CurrentUser;
use leptos::prelude::*;
use leptos_router::components::A;

/// The session shared by every page: who is signed in, and sign-out.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: Resource<Result<Option<CurrentUser>, ApiError>>,
    pub logout: ServerAction<Logout>,
    changed: RwSignal<u64>,
}

impl Session {
    /// Create the session context; call once at the top of the app.
    pub fn provide() {
        let logout = ServerAction::<Logout>::new();
        let changed = RwSignal::new(0_u64);
        let me = Resource::new(move || (changed.get(), logout.version().get()), |_| get_current_user());
        provide_context(Self { me, logout, changed });
    }

    /// Reload who is signed in each time an action (sign-in, registration) completes. Pages create
    /// their own actions, inside the routes, so a form posted without JavaScript shows its errors.
    pub fn refresh_on(&self, version: RwSignal<usize>) {
        let changed = self.changed;
        Effect::new(move |_| {
            if version.get() > 0 {
                changed.update(|n| *n += 1);
            }
        });
    }

    /// The session from context.
    #[must_use]
    pub fn get() -> Self {
        expect_context::<Self>()
    }
}

/// Header, navigation and the main content area. Creates the session context, inside the router so
/// that actions pick up errors from a form posted without JavaScript.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    Session::provide();
    // Effects run only in the browser: mark the page once it is interactive (tests wait for this).
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
            "Skip to content"
        </a>
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
                <A href="/" attr:class="text-lg font-semibold tracking-tight text-indigo-700">"Registrar"</A>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let me = Session::get().me.await.ok().flatten();
                        view! { <Nav me /> }
                    })}
                </Transition>
            </div>
        </header>
        <main id="main" class="mx-auto max-w-6xl px-4 py-8">{children()}</main>
    }
}

#[component]
fn Nav(me: Option<CurrentUser>) -> impl IntoView {
    let Some(me) = me else {
        return view! {
            <nav aria-label="Account" class="ml-auto flex items-center gap-4 text-sm">
                <A href="/login" attr:class="nav-link">"Sign in"</A>
                <A href="/register" attr:class="btn-secondary">"Create account"</A>
            </nav>
        }
        .into_any();
    };
    let logout = Session::get().logout;
    if me.awaiting {
        return view! {
            <nav aria-label="Main" class="flex flex-1 flex-wrap items-center gap-4 text-sm">
                <a href="/account/agreements" class="nav-link">"Finish setting up your account"</a>
            </nav>
            <div class="ml-auto flex items-center gap-3 text-sm">
                <span class="text-slate-600" data-testid="signed-in-as">
                    "Signed in as " <strong class="text-slate-900">{me.username.clone()}</strong>
                </span>
                <ActionForm action=logout>
                    <SubmitButton kind=ButtonKind::Secondary>"Sign out"</SubmitButton>
                </ActionForm>
            </div>
        }
        .into_any();
    }
    let staff = me.is_staff || me.is_superuser;
    let dashboards = me.dashboards.clone();
    let console_home = crate::components::console_links::console_home(&me.console);
    let agreements_due = me.agreements_due;
    view! {
        <nav aria-label="Main" class="flex flex-1 flex-wrap items-center gap-4 text-sm">
            <A href="/account" attr:class="nav-link">"My account"</A>
            <A href="/records" attr:class="nav-link">"My records"</A>
            {staff.then(|| view! { <A href="/courses" attr:class="nav-link">"Courses"</A> })}
            <A href="/libraries" attr:class="nav-link">"Libraries"</A>
            {console_home.map(|href| view! { <A href=href attr:class="nav-link">"Admin console"</A> })}
            {(!dashboards.is_empty()).then(|| view! {
                <details class="relative">
                    <summary class="nav-link cursor-pointer">"Instructor dashboards"</summary>
                    <ul class="absolute z-10 mt-2 w-72 rounded-md border border-slate-200 bg-white p-2 shadow-lg">
                        {dashboards.into_iter().map(|c| {
                            let href = format!("/courses/{}", c.key);
                            view! { <li><a class="block rounded px-2 py-1 hover:bg-slate-100" href=href>{c.name}<span class="block text-xs text-slate-500">{c.key.clone()}</span></a></li> }
                        }).collect_view()}
                    </ul>
                </details>
            })}
        </nav>
        <div class="ml-auto flex items-center gap-3 text-sm">
            {agreements_due.then(|| view! {
                <a href="/account/agreements" class="badge bg-amber-50 text-amber-900" data-testid="agreements-due">
                    "Updated terms to sign"
                </a>
            })}
            <span class="text-slate-600" data-testid="signed-in-as">
                "Signed in as " <strong class="text-slate-900">{me.username.clone()}</strong>
            </span>
            <ActionForm action=logout>
                <SubmitButton kind=ButtonKind::Secondary>"Sign out"</SubmitButton>
            </ActionForm>
        </div>
    }
    .into_any()
}
