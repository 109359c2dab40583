//! The job queue: exclusive claims, progress, retries, and recovery of jobs whose worker vanished.

use crate::common::{Engine, TestDb};
use server::store::jobs;

async fn enqueue(db: &TestDb, total: i64) -> String {
    let mut tx = db.db.pool.begin().await.unwrap();
    let id = jobs::enqueue(&mut tx, "demo", &serde_json::json!({"n": total}), None, total).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn a_job_is_claimed_once_and_reports_progress(engine: Engine) {
    let db = TestDb::new(engine).await;
    let id = enqueue(&db, 10).await;
    let job = jobs::claim(&db.db, "worker-a", 60_000).await.unwrap().unwrap();
    assert_eq!((job.id.as_str(), job.state.as_str(), job.attempts), (id.as_str(), "running", 1));
    assert_eq!(job.payload, r#"{"n":10}"#);
    assert!(jobs::claim(&db.db, "worker-b", 60_000).await.unwrap().is_none(), "no second claim while leased");
    assert!(jobs::progress(&db.db.pool, &id, "worker-a", 4, 60_000).await.unwrap());
    assert!(
        !jobs::progress(&db.db.pool, &id, "worker-b", 9, 60_000).await.unwrap(),
        "only the holder writes"
    );
    let seen = jobs::get(&db.db, &id).await.unwrap().unwrap();
    assert_eq!((seen.progress_done, seen.progress_total), (4, 10));
    assert!(jobs::complete(
        &mut db.db.connection().await.unwrap(),
        &id,
        "worker-a",
        &serde_json::json!({"ok": 10})
    )
    .await
    .unwrap());
    let done = jobs::get(&db.db, &id).await.unwrap().unwrap();
    assert_eq!((done.state.as_str(), done.progress_done), ("succeeded", 10));
    assert_eq!(done.result.as_deref(), Some(r#"{"ok":10}"#));
    assert!(jobs::claim(&db.db, "worker-b", 60_000).await.unwrap().is_none());
    db.cleanup().await;
}

async fn failures_retry_then_stop_and_vanished_workers_are_recovered(engine: Engine) {
    let db = TestDb::new(engine).await;
    let id = enqueue(&db, 1).await;
    for attempt in 1..=3 {
        let job = jobs::claim(&db.db, "w", 60_000).await.unwrap().unwrap();
        assert_eq!(job.attempts, attempt);
        assert!(jobs::fail(&db.db, &id, "w", "boom").await.unwrap());
    }
    let failed = jobs::get(&db.db, &id).await.unwrap().unwrap();
    assert_eq!((failed.state.as_str(), failed.error.as_deref()), ("failed", Some("boom")));
    assert!(jobs::claim(&db.db, "w", 60_000).await.unwrap().is_none(), "a failed job is not retried forever");

    // A worker that claims and disappears: once its lease runs out, another worker takes over.
    let orphan = enqueue(&db, 1).await;
    jobs::claim(&db.db, "gone", -1).await.unwrap().unwrap();
    let taken = jobs::claim(&db.db, "alive", 60_000).await.unwrap().unwrap();
    assert_eq!((taken.id.as_str(), taken.attempts), (orphan.as_str(), 2));
    assert!(
        !jobs::complete(&mut db.db.connection().await.unwrap(), &orphan, "gone", &serde_json::json!(null))
            .await
            .unwrap(),
        "the old holder lost it"
    );
    db.cleanup().await;
}

crate::on_both_engines!(
    a_job_is_claimed_once_and_reports_progress,
    failures_retry_then_stop_and_vanished_workers_are_recovered
);
