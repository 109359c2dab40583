//! Mail goes out through the outbox over real SMTP: delivered, retried, or kept as failed, never lost.

use crate::common::{Engine, TestDb};
use server::mail::Mailer;
use server::store::outbox::{self, NewMail};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A small SMTP server on a local port that records what it receives. `refuse_rcpt` answers every
/// recipient with a permanent 550.
async fn smtp_sink(refuse_rcpt: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or_default().to_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "RCPT" if refuse_rcpt => b"550 no such mailbox\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

async fn enqueue(db: &TestDb, to: &str, subject: &str) -> String {
    let mut tx = db.db.pool.begin().await.unwrap();
    let id = outbox::enqueue(
        &mut *tx,
        &NewMail { user_id: None, to, subject, body_text: "Hello from Registrar.", ..NewMail::default() },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn state(db: &TestDb, id: &str) -> (String, i64, Option<String>) {
    sqlx::query_as("SELECT state, attempts, last_error FROM mail_outbox WHERE id = $1")
        .bind(id)
        .fetch_one(&db.db.pool)
        .await
        .unwrap()
}

async fn queued_mail_is_delivered_over_smtp_once(engine: Engine) {
    let db = TestDb::new(engine).await;
    let (port, received) = smtp_sink(false).await;
    let a = enqueue(&db, "ada@example.org", "Welcome").await;
    let b = enqueue(&db, "grace@example.org", "Your enrollment").await;
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "Registrar <noreply@example.org>").unwrap();
    let round = mailer.deliver_due(&db.db).await.unwrap();
    assert_eq!(round.sent, 2);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert!(
        got.iter().any(|m| m.contains("To: ada@example.org") && m.contains("Subject: Welcome")),
        "{got:?}"
    );
    assert!(got.iter().all(|m| m.contains("From: Registrar <noreply@example.org>")));
    assert_eq!(state(&db, &a).await.0, "sent");
    assert_eq!(state(&db, &b).await.0, "sent");
    // A second round sends nothing again.
    assert_eq!(mailer.deliver_due(&db.db).await.unwrap().sent, 0);
    assert_eq!(received.lock().unwrap().len(), 2);
    db.cleanup().await;
}

async fn an_unreachable_server_means_retry_later_not_loss(engine: Engine) {
    let db = TestDb::new(engine).await;
    let id = enqueue(&db, "ada@example.org", "Welcome").await;
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{closed}"), "noreply@example.org").unwrap();
    let round = mailer.deliver_due(&db.db).await.unwrap();
    assert_eq!(round.retrying, 1);
    let (st, attempts, error) = state(&db, &id).await;
    assert_eq!((st.as_str(), attempts), ("pending", 1));
    assert!(error.is_some());
    // Not due again yet: the next round leaves it alone.
    assert_eq!(mailer.deliver_due(&db.db).await.unwrap(), server::mail::Round::default());
    // Once due, it goes out when the server is back.
    sqlx::query("UPDATE mail_outbox SET next_try_at = 0").execute(&db.db.pool).await.unwrap();
    let (port, received) = smtp_sink(false).await;
    let back = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "noreply@example.org").unwrap();
    assert_eq!(back.deliver_due(&db.db).await.unwrap().sent, 1);
    assert_eq!(received.lock().unwrap().len(), 1);
    assert_eq!(state(&db, &id).await.0, "sent");
    db.cleanup().await;
}

async fn a_refused_recipient_is_kept_as_failed(engine: Engine) {
    let db = TestDb::new(engine).await;
    let id = enqueue(&db, "nobody@example.org", "Welcome").await;
    let (port, received) = smtp_sink(true).await;
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{port}"), "noreply@example.org").unwrap();
    let round = mailer.deliver_due(&db.db).await.unwrap();
    assert_eq!(round.failed, 1);
    let (st, attempts, error) = state(&db, &id).await;
    assert_eq!(st, "failed");
    assert_eq!(attempts, 1, "a permanent refusal is not retried");
    assert!(error.unwrap().contains("550"));
    assert!(received.lock().unwrap().is_empty());
    db.cleanup().await;
}

crate::on_both_engines!(
    queued_mail_is_delivered_over_smtp_once,
    an_unreachable_server_means_retry_later_not_loss,
    a_refused_recipient_is_kept_as_failed,
);
