//! The personal-data registry (`server::store::registry`) covers the schema and every JSON key the
//! code writes: a migration that adds a column, or code that writes a new audit key, fails here
//! until it is classified (and, if it names a person, covered by retirement and the export).

use crate::common::{Engine, TestApp};
use server::store::mentions::PERSON_KEYS;
use server::store::registry::{NEUTRAL, NOT_PERSON_JSON_KEYS, PERSONAL};
use std::collections::BTreeSet;

async fn schema(app: &TestApp, engine: Engine) -> BTreeSet<(String, String)> {
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
        }
        Engine::Postgres => {
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    sqlx::query_as::<_, (String, String)>(sql).fetch_all(&app.db.db.pool).await.unwrap().into_iter().collect()
}

fn registered() -> BTreeSet<(String, String)> {
    let mut all = BTreeSet::new();
    for (table, column, _, _) in PERSONAL {
        assert!(all.insert(((*table).to_owned(), (*column).to_owned())), "{table}.{column} is listed twice");
    }
    for (table, columns) in NEUTRAL {
        for column in *columns {
            assert!(
                all.insert(((*table).to_owned(), (*column).to_owned())),
                "{table}.{column} is listed twice"
            );
        }
    }
    all
}

async fn every_column_is_classified_as_personal_or_not(engine: Engine) {
    let app = TestApp::new(engine).await;
    let schema = schema(&app, engine).await;
    let registry = registered();
    let missing: Vec<String> = schema.difference(&registry).map(|(t, c)| format!("{t}.{c}")).collect();
    assert!(missing.is_empty(), "columns the personal-data registry does not classify: {missing:?}");
    let stale: Vec<String> = registry.difference(&schema).map(|(t, c)| format!("{t}.{c}")).collect();
    assert!(stale.is_empty(), "the registry lists columns that do not exist: {stale:?}");
    app.cleanup().await;
}

fn keys(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

/// A learner with traces everywhere (the retirement proof's): every key the audit entries and jobs
/// hold is a person key or listed as naming nobody, and every export section the registry names is
/// in their download.
async fn every_json_key_and_export_section_is_covered(engine: Engine) {
    let app = TestApp::seeded(engine).await;
    let cookie = crate::api::retirement::learner_everywhere(&app).await;
    let mut found = BTreeSet::new();
    let texts: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT before_json, after_json FROM audit_log")
            .fetch_all(&app.db.db.pool)
            .await
            .unwrap();
    let jobs: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT payload, result FROM jobs").fetch_all(&app.db.db.pool).await.unwrap();
    for text in texts.into_iter().chain(jobs).flat_map(|(a, b)| [a, b]).flatten() {
        if let Ok(value) = serde_json::from_str(&text) {
            keys(&value, &mut found);
        }
    }
    let unclassified: Vec<&String> = found
        .iter()
        .filter(|k| !PERSON_KEYS.contains(&k.as_str()) && !NOT_PERSON_JSON_KEYS.contains(&k.as_str()))
        .collect();
    assert!(unclassified.is_empty(), "JSON keys the registry does not classify: {unclassified:?}");

    let export = app.get("/api/account/export.json", Some(&cookie)).await.json();
    for (table, column, _, section) in PERSONAL {
        if let Some(section) = section {
            assert!(
                export["data"].get(section).is_some(),
                "{table}.{column}: no section {section} in the export"
            );
        }
    }
    app.cleanup().await;
}

crate::on_both_engines!(
    every_column_is_classified_as_personal_or_not,
    every_json_key_and_export_section_is_covered
);
