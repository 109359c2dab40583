//! `registrar serve`: the Leptos options, the web server with its background worker and session
//! purge, and a graceful shutdown.

use super::*;
use crate::config::AuthPolicy;
use crate::http::{origin::OriginPolicy, router, AppState};
use crate::services::retirement::RetirementService;
use crate::services::Core;
use crate::store::Db;
use app::gate::Gate;
use leptos::config::LeptosOptions;
use std::net::SocketAddr;
use std::sync::Arc;

/// Leptos options from the environment cargo-leptos sets, with our defaults.
#[must_use]
pub fn leptos_options(addr: SocketAddr, site_root: &str) -> LeptosOptions {
    let env = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.to_owned());
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "registrar"))
        .site_root(site_root)
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(addr)
        .reload_port(env("LEPTOS_RELOAD_PORT", "3001").parse::<u32>().unwrap_or(3001))
        .build()
}

pub(super) async fn serve(url: &str, args: ServeArgs, retirement: &RetirementArgs) -> Result<(), String> {
    let retirement = retirement.settings()?;
    // Development is a site nobody else reaches: no public URL, or one on this machine.
    let production = args.public_url.as_deref().is_some_and(|u| {
        let host =
            u.split_once("://").map_or(u, |(_, rest)| rest).split(['/', ':']).next().unwrap_or_default();
        !matches!(host, "localhost" | "127.0.0.1" | "[" | "")
    });
    if production && retirement.names.uses_default_salts() {
        return Err(
            "RETIRED_USER_SALTS is unset or still holds Open edX's published default salts (abc, 123); \
                    set your own secret salts (keep every old one, newest last) before serving a public site"
                .to_owned(),
        );
    }
    let mailer = match &args.smtp_url {
        Some(smtp) => Some(crate::mail::Mailer::new(smtp, &args.mail_from).map_err(|e| e.to_string())?),
        None => None,
    };
    let db = open_db(url).await?;
    if args.seed_demo && args.public_url.as_deref().is_some_and(|u| u.starts_with("https://")) {
        return Err("refusing to load the demo data (with its published passwords) on a public https site; \
                    unset REGISTRAR_SEED_DEMO"
            .to_owned());
    }
    let demo = if args.seed_demo {
        Some(crate::seed::seed_demo(&db, false).await.map_err(|e| e.to_string())?)
    } else {
        None
    };
    let secure = args.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    let public_origin = args.public_url.as_deref().map(|u| {
        let trimmed = u.trim_end_matches('/');
        match trimmed.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or(rest)),
            None => trimmed.to_owned(),
        }
    });
    let site_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.addr));
    let policy = AuthPolicy {
        session_ttl_ms: i64::from(args.session_days.max(1)) * 86_400_000,
        cookie_secure: secure,
        activation: registrar::activation::ActivationPolicy {
            new_users_active: args.new_users_active,
            auto_setup: args.auto_setup_new_users,
            first_user_superuser: args.first_user_superuser,
        },
        ..AuthPolicy::default()
    };
    let core = Arc::new(Core::new(db.clone(), policy).with_site_url(&site_url).with_retirement(retirement));
    let (_, system) = Gate::system(system_backend(db.clone()), "serve");
    RetirementService::new(core.clone()).ensure_states(&system).await.map_err(|e| e.message)?;
    let state = AppState::new(
        leptos_options(args.addr, &args.site_root),
        core.clone(),
        OriginPolicy { public_origin },
        args.trust_proxy,
    );
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    match mailer {
        Some(mailer) => {
            tokio::spawn(mailer.run(db.clone(), std::time::Duration::from_secs(5)));
        }
        None => tracing::info!("no REGISTRAR_SMTP_URL: outgoing mail waits in the outbox"),
    }
    tokio::spawn(crate::worker::JobWorker::new(core).run(std::time::Duration::from_secs(1)));
    tokio::spawn(purge_sessions(db));
    println!("Registrar is listening on http://{}", args.addr);
    if let Some(summary) = demo {
        println!("{summary}");
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| format!("server stopped: {e}"))
}

async fn purge_sessions(db: Db) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match crate::store::sessions::purge_expired(&db).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
        }
    }
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
