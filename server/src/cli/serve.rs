//! `registrar serve`: the web server with its background worker and session purge, and a graceful
//! shutdown, from a [`Config`] read and validated at start. It must not read the environment: every
//! setting comes in the `Config`.

use super::*;
use crate::http::{origin::OriginPolicy, router, AppState};
use crate::services::retirement::RetirementService;
use crate::services::Core;
use crate::store::Db;
use app::gate::Gate;
use std::net::SocketAddr;
use std::sync::Arc;

pub(super) async fn serve(config: Config) -> Result<(), String> {
    let mailer = match &config.mail.smtp_url {
        Some(smtp) => Some(crate::mail::Mailer::new(smtp, &config.mail.from).map_err(|e| e.to_string())?),
        None => None,
    };
    let db = open_db(&config.database_url).await?;
    config.check_seed_demo()?;
    let demo = if config.seed_demo {
        Some(crate::seed::seed_demo(&db, false).await.map_err(|e| e.to_string())?)
    } else {
        None
    };
    let server = &config.server;
    let core = Arc::new(
        Core::new(db.clone(), config.auth.clone())
            .with_site_url(&server.site_url)
            .with_retirement(config.retirement.clone()),
    );
    let (_, system) = Gate::system(system_backend(&config.auth.link_keys, db.clone()), "serve");
    RetirementService::new(core.clone()).ensure_states(&system).await.map_err(|e| e.message)?;
    let state = AppState::new(
        server.leptos_options(),
        core.clone(),
        OriginPolicy { public_origin: server.public_origin.clone(), ..OriginPolicy::default() },
        server.trust_proxy,
    );
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(server.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", server.addr))?;
    match mailer {
        Some(mailer) => {
            tokio::spawn(mailer.run(db.clone(), std::time::Duration::from_secs(5)));
        }
        None => tracing::info!("no REGISTRAR_SMTP_URL: outgoing mail waits in the outbox"),
    }
    tokio::spawn(crate::worker::JobWorker::new(core).run(std::time::Duration::from_secs(1)));
    tokio::spawn(purge_sessions(db));
    println!("Registrar is listening on http://{}", server.addr);
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
        match crate::store::sign_ins::purge_old(&db).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "sign-ins older than 90 days forgotten"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not forget old sign-ins"),
        }
    }
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
