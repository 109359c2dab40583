//! The admin console's file endpoint: the audit log search as CSV (every matching entry, not one
//! page), for staff holding `view_audit`, streamed page by page so that memory stays flat whatever
//! the log's size.

use super::gate::RequestGate;
use super::status::{failure, query_pairs};
use app::error::ApiError;
use app::gate::console::*;
use app::model::console::AuditQuery;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use http::header;

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
        // The first page answers errors properly; the rest follow as the client reads.
        let first = gate.backend().console.audit_csv_page(&(&staff).into(), &q).await?;
        let backend = gate.shared_backend();
        let pages = futures_util::stream::try_unfold(
            (Some(first), q, backend, staff),
            |(page, mut q, backend, staff)| async move {
                let Some(page) = page else { return Ok(None) };
                let next = match page.next {
                    Some(before) => {
                        q.before = Some(before);
                        Some(
                            backend
                                .console
                                .audit_csv_page(&(&staff).into(), &q)
                                .await
                                .map_err(|e| std::io::Error::other(e.message))?,
                        )
                    }
                    None => None,
                };
                Ok::<_, std::io::Error>(Some((
                    axum::body::Bytes::from(page.bytes),
                    (next, q, backend, staff),
                )))
            },
        );
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
                (header::CACHE_CONTROL, "no-store"),
            ],
            axum::body::Body::from_stream(pages),
        )
            .into_response())
    }
    .await;
    result.unwrap_or_else(failure)
}
