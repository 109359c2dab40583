//! The audit log export streams every matching entry, page after page, in order.

use crate::common::{Engine, TestApp};

async fn an_audit_export_larger_than_a_page_holds_every_entry_once(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4100) \
         INSERT INTO audit_log (at, actor_label, action, target_type, target_id) \
         SELECT 1700000000000 + i, 'bulk', 'user.update', 'user', 'bulk' FROM n",
    )
    .execute(&app.db.db.pool)
    .await
    .unwrap();
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&app.db.db.pool).await.unwrap();
    let admin = app.sign_in("admin", "registrar-admin").await;
    let csv = app.get("/api/console/audit.csv", Some(&admin)).await;
    assert_eq!(csv.status, 200);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("id"), "one header, first");
    let ids: Vec<i64> = reader.records().map(|r| r.unwrap()[0].parse().unwrap()).collect();
    // Signing in wrote entries after the count; every entry counted is there, each once.
    assert!(ids.len() as i64 >= total, "{} of {total}", ids.len());
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no entry twice across pages");
    app.cleanup().await;
}

crate::on_both_engines!(an_audit_export_larger_than_a_page_holds_every_entry_once);
