//! Attacks on mailed links: forging a password link with what the database holds.

use crate::common::{Engine, TestApp};
use hmac::{Hmac, Mac};
use server::config::{AuthPolicy, LinkKeys};
use sha2::{Digest, Sha256};

const KEY: &str = "the-operators-link-key-kept-in-a-secret-store";

/// A link token as the server makes them, signed with `key`.
fn sign(key: &[u8], purpose: &str, id: &str, until: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    let until_text = until.to_string();
    mac.update(
        format!("{}:{purpose}|{}:{id}|{}:{until_text}", purpose.len(), id.len(), until_text.len()).as_bytes(),
    );
    format!("{id}.{until}.{}", hex::encode(mac.finalize().into_bytes()))
}

/// The attacker can read and write the database (a leaked backup, an injection elsewhere) but not
/// the server's configuration. They read the admin's row, plant a key of their own where the
/// development key would live, and forge a password link for the admin with it. Refused: links are
/// signed with the configured key only, and the admin's password is unchanged.
async fn a_database_reader_forges_a_password_link_for_the_admin(engine: Engine) {
    let policy = AuthPolicy { link_keys: LinkKeys::from_texts([KEY]).unwrap(), ..AuthPolicy::default() };
    let app = TestApp::seeded_with_policy(engine, policy).await;
    let (id, email, hash): (String, String, String) =
        sqlx::query_as("SELECT id, email, password_hash FROM users WHERE username = 'admin'")
            .fetch_one(&app.db.db.pool)
            .await
            .unwrap();
    let planted = hex::encode(Sha256::digest(b"attacker"));
    sqlx::query("INSERT INTO server_secrets (name, value, created_at) VALUES ('link_signing_key', $1, 0)")
        .bind(&planted)
        .execute(&app.db.db.pool)
        .await
        .unwrap();
    let stamp = hex::encode(Sha256::digest(hash.as_bytes()));
    let purpose = format!("password-reset:{}:{}", &stamp[..16], email.to_lowercase());
    let until = 4_102_444_800_000; // 2100
    let forged = sign(&hex::decode(&planted).unwrap(), &purpose, &id, until);
    let form = [
        ("token", forged.as_str()),
        ("password", "attacker owns this"),
        ("password_confirm", "attacker owns this"),
    ];
    let reply = app.post_form("/api/account/reset-password", &form, None).await;
    assert_eq!(reply.error_code(), "LINK_INVALID", "{}", reply.body);
    app.sign_in("admin", "registrar-admin").await;

    // The same link signed with the configured key is what the server would have mailed: accepted.
    let genuine = sign(KEY.as_bytes(), &purpose, &id, until);
    let form = [
        ("token", genuine.as_str()),
        ("password", "a new admin phrase"),
        ("password_confirm", "a new admin phrase"),
    ];
    let reply = app.post_form("/api/account/reset-password", &form, None).await;
    assert!(reply.status.is_success() || reply.status.is_redirection(), "{}", reply.body);
    app.cleanup().await;
}

crate::on_both_engines!(a_database_reader_forges_a_password_link_for_the_admin);
