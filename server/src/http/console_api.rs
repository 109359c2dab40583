//! The admin console's file endpoint: the audit log search as CSV (every matching entry, not one
//! page), for staff holding `view_audit`.

use super::credentials_api::download;
use super::gate::RequestGate;
use super::status::{failure, query_pairs};
use app::error::ApiError;
use app::gate::console::*;
use app::model::console::AuditQuery;
use axum::extract::RawQuery;
use axum::response::Response;

/// `GET /api/console/audit.csv?actor=…&target=…&action=…&scope=…&from=…&to=…`.
pub async fn audit_csv(gate: RequestGate, RawQuery(query): RawQuery) -> Response {
    let result: Result<Response, ApiError> = async {
        let staff = gate.console_for::<ViewAudit>().await?;
        let mut q = AuditQuery::default();
        for (key, value) in query_pairs(query.as_deref()) {
            match key.as_str() {
                "actor" => q.actor = value,
                "target" => q.target = value,
                "action" => q.action = value,
                "scope" => q.scope = value,
                "from" => q.from = value,
                "to" => q.to = value,
                _ => {}
            }
        }
        Ok(download(gate.backend().console.audit_csv(&(&staff).into(), &q).await?))
    }
    .await;
    result.unwrap_or_else(failure)
}
