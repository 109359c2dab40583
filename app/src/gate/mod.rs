//! The Gate: the only door from a server function to a use case (server side only).
//!
//! The server's middleware resolves the principal once per request; [`Gate::for_request`] picks it up
//! with the backend from context. Each method asks `registrar::authz::decide` and, when allowed, hands
//! out a capability. Capabilities (`capabilities`) can only be minted here; every port method demands
//! one. It must not run a use case itself or read the database except through `ports::facts`. The management commands use [`Gate::system`], a named system principal.

pub mod capabilities;
pub mod console;

pub use capabilities::*;
pub use console::*;

use crate::error::ApiError;
use crate::ports::{Backend, ClientMeta, RequestPrincipal, SharedBackend};
use registrar::authz::{decide, Action, Principal};
use registrar::console::{may as console_may, refusal as console_refusal};
use registrar::ids::{CourseKey, OrgKey};
use registrar::library::{decide_library, may_create_library, LibraryAction, LibraryKey};
use registrar::token_scope::{refusal as token_refusal, token_may, TokenScope};
use registrar::{DomainError, ErrorCode};

/// The Gate for one request.
pub struct Gate {
    request: RequestPrincipal,
    client: ClientMeta,
    backend: SharedBackend,
}

/// The current time in epoch milliseconds (grants that end compare with it).
#[must_use]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl Gate {
    /// The Gate for the current server-function or page request.
    pub fn for_request() -> Result<Self, ApiError> {
        let backend = leptos::prelude::use_context::<SharedBackend>().ok_or_else(|| {
            tracing::error!("server function ran without a Backend in context");
            ApiError::from(DomainError::internal("no-backend"))
        })?;
        let parts = leptos::prelude::use_context::<http::request::Parts>();
        let request =
            parts.as_ref().and_then(|p| p.extensions.get::<RequestPrincipal>().cloned()).unwrap_or_default();
        let client =
            parts.as_ref().and_then(|p| p.extensions.get::<ClientMeta>().cloned()).unwrap_or_default();
        Ok(Self { request, client, backend })
    }

    /// A gate over a principal taken as given: nothing checks where it came from. Only the
    /// server's REST extractor (`server::http::gate`, fed by the principal middleware), the bench
    /// and tests call it; a handler takes that extractor instead.
    #[must_use]
    pub fn unchecked(backend: SharedBackend, request: RequestPrincipal, client: ClientMeta) -> Self {
        Self { request, client, backend }
    }

    /// The backend, for calling a use case with a capability.
    #[must_use]
    pub fn backend(&self) -> &Backend {
        self.backend.as_ref()
    }

    /// The backend to keep beyond this call (a streamed download's later pages).
    #[must_use]
    pub fn shared_backend(&self) -> SharedBackend {
        self.backend.clone()
    }

    #[must_use]
    pub fn client(&self) -> &ClientMeta {
        &self.client
    }

    /// Capability for public endpoints.
    #[must_use]
    pub fn public(&self) -> Public {
        Public(())
    }

    /// The principal, if signed in and active, with a session or a token that acts as its user (a
    /// scoped service token is no principal here: it reaches only the capabilities of its scopes).
    #[must_use]
    pub fn principal(&self) -> Option<&Principal> {
        self.request.principal.as_ref().filter(|p| p.is_active && self.request.scopes.is_none())
    }

    /// The principal for a capability a token with `scope` may use (`None`: sessions and personal
    /// tokens only); a scoped token used elsewhere is refused, naming what it may do.
    fn principal_for(&self, scope: Option<TokenScope>) -> Result<&Principal, ApiError> {
        let principal =
            self.request.principal.as_ref().filter(|p| p.is_active).ok_or(ErrorCode::AuthRequired)?;
        let scopes = self.request.scopes.as_deref();
        if token_may(scopes, scope) {
            Ok(principal)
        } else {
            Err(token_refusal(scopes.unwrap_or_default()).into())
        }
    }

    /// Capability for the signed-in user's own account; anonymous callers get `AUTH_REQUIRED`.
    pub fn me(&self) -> Result<Me, ApiError> {
        let principal = self.principal_for(None)?;
        self.require(principal, &Action::ManageOwnAccount)?;
        Ok(Me { principal: principal.clone(), session_id: self.request.session_id.clone() })
    }

    /// Capability for global staff outside the console (every course, the service APIs).
    pub fn global_staff(&self) -> Result<GlobalStaff, ApiError> {
        let principal = self.principal_for(None)?;
        self.require(principal, &Action::ListAllCourses)?;
        Ok(GlobalStaff { principal: principal.clone(), held: Vec::new() })
    }

    /// Capability for the console permissions `P` lists: superusers, or global staff whose groups
    /// give every one of them. The refusal names the first one missing.
    pub async fn console_for<P: ConsolePermission>(&self) -> Result<Console<P>, ApiError> {
        self.console_with::<P>(None).await
    }

    /// [`Self::console_for`] for a service API that a token scoped to `scope` may also use (the
    /// credentials API, grade pushes): the same permissions, asked of the token's user. The console's
    /// own server functions never take scoped tokens.
    pub async fn service_console_for<P: ConsolePermission>(
        &self,
        scope: TokenScope,
    ) -> Result<Console<P>, ApiError> {
        self.console_with::<P>(Some(scope)).await
    }

    async fn console_with<P: ConsolePermission>(
        &self,
        scope: Option<TokenScope>,
    ) -> Result<Console<P>, ApiError> {
        let principal = self.principal_for(scope)?;
        if self.request.second_factor_missing {
            return Err(registrar::DomainError::new(registrar::ErrorCode::SecondFactorRequired).into());
        }
        self.require(principal, &Action::UseAdminConsole)?;
        let held = if principal.is_superuser {
            Vec::new()
        } else {
            self.backend.facts.console_permissions(&GateAsks(()), &principal.user_id).await?
        };
        if let Some(missing) = P::NEEDS.iter().find(|p| !console_may(console_role(principal), &held, **p)) {
            return Err(console_refusal(*missing).into());
        }
        Ok(Console {
            staff: GlobalStaff { principal: principal.clone(), held },
            permission: std::marker::PhantomData,
        })
    }

    /// Capability to read and sign agreements: an active user, or an invited account that signed in
    /// to sign them.
    pub fn signer(&self) -> Result<Signer, ApiError> {
        if let Some(p) = self.principal() {
            return Ok(Signer {
                user_id: p.user_id.clone(),
                username: p.username.clone(),
                active: true,
                session_id: self.request.session_id.clone(),
            });
        }
        let awaiting = self.request.awaiting.as_ref().ok_or(ErrorCode::AuthRequired)?;
        Ok(Signer {
            user_id: awaiting.user_id.clone(),
            username: awaiting.username.clone(),
            active: false,
            session_id: self.request.session_id.clone(),
        })
    }

    /// Capability for staff access to a course (course, org or global staff).
    pub fn course_staff(&self, course: &CourseKey) -> Result<CourseStaff, ApiError> {
        let (principal, course) = self.for_course(course, Action::ViewInstructorDashboard)?;
        Ok(CourseStaff { principal, course })
    }

    /// Capability to see a course's Studio team page.
    pub fn course_team_viewer(&self, course: &CourseKey) -> Result<CourseTeamViewer, ApiError> {
        let (principal, course) = self.for_course(course, Action::ViewCourseTeam)?;
        Ok(CourseTeamViewer { principal, course })
    }

    /// Capability to create libraries in `org`.
    pub fn library_creator(&self, org: &OrgKey) -> Result<LibraryCreator, ApiError> {
        let principal = self.principal_for(None)?;
        if may_create_library(Some(principal), org) {
            Ok(LibraryCreator { principal: principal.clone(), org: org.clone() })
        } else {
            Err(DomainError::with_message(
                ErrorCode::Forbidden,
                format!("You may not create libraries in {org}. Ask for the course creator role there."),
            )
            .into())
        }
    }

    /// Capability to view a library (its team only with a grant: see `LibraryAction::ViewTeam`).
    pub async fn library_viewer(&self, key: &LibraryKey) -> Result<LibraryViewer, ApiError> {
        let principal = self.for_library(key, LibraryAction::View).await?;
        Ok(LibraryViewer { principal, library: key.clone() })
    }

    /// Capability to edit a library.
    pub async fn library_editor(&self, key: &LibraryKey) -> Result<LibraryEditor, ApiError> {
        let principal = self.for_library(key, LibraryAction::Edit).await?;
        Ok(LibraryEditor { principal, library: key.clone() })
    }

    /// Capability to manage a library's team.
    pub async fn library_admin(&self, key: &LibraryKey) -> Result<LibraryAdmin, ApiError> {
        self.library_admin_for(key, LibraryAction::ManageTeam).await
    }

    /// Capability for an Admin-only library action (`ManageTeam` or `ChangeSwitches`), refused in the
    /// words of that action.
    pub async fn library_admin_for(
        &self,
        key: &LibraryKey,
        action: LibraryAction,
    ) -> Result<LibraryAdmin, ApiError> {
        if action.needs() != registrar::library::AccessLevel::Admin {
            return Err(DomainError::internal("library-admin-action").into());
        }
        let principal = self.for_library(key, action).await?;
        Ok(LibraryAdmin { principal, library: key.clone() })
    }

    /// The principal, if it may take `action` on the library. Someone who may not even view it gets
    /// `NOT_FOUND`, exactly as for a library that does not exist, so private libraries stay unknown to
    /// strangers; someone who may view it but not act gets `FORBIDDEN`.
    async fn for_library(&self, key: &LibraryKey, action: LibraryAction) -> Result<Principal, ApiError> {
        let principal = self.principal_for(None)?;
        let not_found = || {
            ApiError::from(DomainError::with_message(
                ErrorCode::NotFound,
                format!("There is no library {key}."),
            ))
        };
        let (switches, grants) = self
            .backend
            .facts
            .library_facts(&GateAsks(()), &principal.user_id, key)
            .await?
            .ok_or_else(not_found)?;
        let now = now_ms();
        let may = |a| decide_library(Some(principal), &grants, key, switches, a, now);
        if !may(LibraryAction::View) {
            return Err(not_found());
        }
        if !may(action) {
            return Err(DomainError::with_message(
                ErrorCode::Forbidden,
                format!("You may {} but not {}.", LibraryAction::View.label(), action.label()),
            )
            .into());
        }
        Ok(principal.clone())
    }

    /// Capability to manage a course's team.
    pub fn course_admin(&self, course: &CourseKey) -> Result<CourseAdmin, ApiError> {
        let (principal, course) = self.for_course(course, Action::EditCourseAccess)?;
        Ok(CourseAdmin { principal, course })
    }

    /// Capability to enroll learners in a course.
    pub fn course_enroller(&self, course: &CourseKey) -> Result<CourseEnroller, ApiError> {
        let (principal, course) = self.for_course(course, Action::EnrollLearners)?;
        Ok(CourseEnroller { principal, course })
    }

    /// Capability to manage a course's discussion roles.
    pub fn discussion_manager(&self, course: &CourseKey) -> Result<DiscussionManager, ApiError> {
        let (principal, course) = self.for_course(course, Action::ManageDiscussionRoles)?;
        Ok(DiscussionManager { principal, course })
    }

    /// Capability for the retirement service API: the configured service user or a superuser.
    pub fn retirement_worker(&self) -> Result<RetirementWorker, ApiError> {
        let principal = self.principal_for(Some(TokenScope::Retirement))?;
        let service = self.backend.facts.retirement_service_username(&GateAsks(()));
        if registrar::retirement::may_drive_retirement(
            principal.is_superuser,
            principal.is_staff,
            &principal.username,
            &service,
        ) {
            Ok(RetirementWorker { principal: principal.clone() })
        } else {
            Err(ErrorCode::Forbidden.into())
        }
    }

    /// The named system principal used by management commands and jobs. Grep-able on purpose.
    #[must_use]
    pub fn system(backend: SharedBackend, name: &str) -> (Self, System) {
        let gate = Self { request: RequestPrincipal::default(), client: ClientMeta::default(), backend };
        (gate, System { actor: format!("system:{name}") })
    }

    /// The principal, if it may take `action` on `course`, with the course.
    fn for_course(
        &self,
        course: &CourseKey,
        action: fn(CourseKey) -> Action,
    ) -> Result<(Principal, CourseKey), ApiError> {
        let principal = self.principal_for(None)?;
        self.require(principal, &action(course.clone()))?;
        Ok((principal.clone(), course.clone()))
    }

    fn require(&self, principal: &Principal, action: &Action) -> Result<(), ApiError> {
        if decide(principal, action).is_allowed() {
            Ok(())
        } else {
            Err(ErrorCode::Forbidden.into())
        }
    }
}
