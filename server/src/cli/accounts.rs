//! The account and console commands: `manage-user`, `grant-role`, `revoke-role`, `invite`,
//! `deactivate-user`, `export-audit`, `create-token`. Each goes through the Gate as a named system
//! principal and reports per account; it must not change data any other way.

use super::*;
use app::gate::Gate;
use app::model::ManageUser;
use std::io::{Read, Write};

pub(super) async fn manage_user(url: &str, keys: &LinkKeys, args: ManageUserArgs) -> Result<(), String> {
    let password = if args.password_stdin {
        let line = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_to_string(&mut line).map(|_| line)
        })
        .await
        .map_err(|e| format!("cannot read the password: {e}"))?
        .map_err(|e| format!("cannot read the password: {e}"))?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        Some(line.strip_suffix('\r').unwrap_or(line).to_owned())
    } else {
        None
    };
    let db = open_db(url).await?;
    let (gate, admin) = Gate::system(system_backend(keys, db), "manage-user");
    let request = ManageUser {
        username: args.username.clone(),
        email: args.email,
        full_name: args.full_name,
        is_staff: args.staff,
        is_superuser: args.superuser,
        password,
        unusable_password: args.unusable_password,
        groups: (args.no_groups || !args.groups.is_empty()).then_some(args.groups),
    };
    let report = gate.backend().accounts.manage_user(&admin, request).await.map_err(|e| e.message)?;
    if report.created {
        println!("Created user {}:", args.username);
    } else if report.changes.is_empty() {
        println!("User {} is already as requested; nothing changed.", args.username);
    } else {
        println!("Updated user {}:", args.username);
    }
    for change in report.changes {
        println!("  {change}");
    }
    Ok(())
}

/// `grant-role` / `revoke-role`: each account in turn, a line each; fails (exit 2) if any was
/// refused, after doing the others.
pub(super) async fn change_roles(
    url: &str,
    keys: &LinkKeys,
    args: RoleArgs,
    grant: bool,
) -> Result<(), String> {
    let db = open_db(url).await?;
    let backend = system_backend(keys, db.clone());
    let (_, system) = Gate::system(backend.clone(), if grant { "grant-role" } else { "revoke-role" });
    let expires_at =
        registrar::roles::parse_end_date(args.expires.as_deref().unwrap_or_default(), crate::store::now_ms())
            .map_err(|e| e.message)?;
    let mut refused = 0;
    for user in &args.users {
        if args.dry_run {
            let known = crate::store::users::find_by_login(&db, user)
                .await
                .map_err(|e| format!("cannot read the users: {e}"))?;
            match known {
                Some(u) => println!(
                    "{}: would {} {} at {}",
                    u.username,
                    if grant { "give" } else { "take away" },
                    args.role,
                    args.scope
                ),
                None => {
                    refused += 1;
                    println!("{user}: there is no such account");
                }
            }
            continue;
        }
        let result = if grant {
            backend.console.grant_role(&(&system).into(), user, &args.role, &args.scope, expires_at).await
        } else {
            backend.console.revoke_role(&(&system).into(), user, &args.role, &args.scope).await
        };
        match result {
            Ok(()) => println!(
                "{user}: {} {} at {}",
                if grant { "given" } else { "took away" },
                args.role,
                args.scope
            ),
            Err(e) => {
                refused += 1;
                println!("{user}: {}", e.message);
            }
        }
    }
    if args.dry_run {
        println!("Dry run: nothing changed.");
    }
    if refused > 0 {
        return Err(format!("{refused} of {} account(s) refused", args.users.len()));
    }
    Ok(())
}

pub(super) async fn invite(url: &str, keys: &LinkKeys, args: InviteArgs) -> Result<(), String> {
    let db = open_db(url).await?;
    let backend = system_backend(keys, db.clone());
    let (_, system) = Gate::system(backend.clone(), "invite");
    let mut refused = 0;
    for email in &args.emails {
        let request = app::model::console::InvitationRequest {
            email: email.clone(),
            role: args.role.clone().unwrap_or_default(),
            scope: args.scope.clone(),
            expires: args.expires.clone().unwrap_or_default(),
        };
        let invited = if request.role.trim().is_empty() {
            backend.console.invite(&(&system).into(), request).await
        } else {
            backend.console.invite_with_role(&(&system).into(), request).await
        };
        match invited {
            Ok(id) => println!("{email}: invited (invitation {id})"),
            Err(e) => {
                refused += 1;
                println!("{email}: {}", e.message);
            }
        }
    }
    if refused > 0 {
        return Err(format!("{refused} of {} invitation(s) refused", args.emails.len()));
    }
    Ok(())
}

pub(super) async fn deactivate_users(url: &str, keys: &LinkKeys, args: DeactivateArgs) -> Result<(), String> {
    let db = open_db(url).await?;
    let backend = system_backend(keys, db.clone());
    let (_, system) = Gate::system(backend.clone(), "deactivate-user");
    let actor = app::gate::ConsoleActor::from(&system);
    let outcome = backend
        .console
        .bulk_users(&actor, "deactivate", &args.usernames, &args.reason, !args.dry_run)
        .await
        .map_err(|e| e.message)?;
    for line in &outcome.lines {
        match &line.refused {
            Some(why) => println!("{}: left alone: {why}", line.username),
            None if args.dry_run => println!("{}: would {}", line.username, line.change.to_lowercase()),
            None => println!("{}: deactivated", line.username),
        }
    }
    let left = outcome.lines.len() - outcome.changing();
    if args.dry_run {
        println!("Dry run: nothing changed ({} would be deactivated).", outcome.changing());
    }
    if left > 0 {
        return Err(format!("{left} of {} account(s) left alone", outcome.lines.len()));
    }
    Ok(())
}

pub(super) async fn export_audit(url: &str, keys: &LinkKeys, args: ExportAuditArgs) -> Result<(), String> {
    let db = open_db(url).await?;
    let backend = system_backend(keys, db.clone());
    let (_, system) = Gate::system(backend.clone(), "export-audit");
    let query = app::model::console::AuditQuery {
        actor: args.actor,
        target: args.target,
        action: args.action,
        scope: args.scope,
        from: args.from,
        to: args.to,
        before: None,
    };
    // Page after page, so an export of any size holds one page in memory.
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let (mut query, mut lines) = (query, 0usize);
    let actor = app::gate::ConsoleActor::from(&system);
    loop {
        let page = backend.console.audit_csv_page(&actor, &query).await.map_err(|e| e.message)?;
        lines += page.bytes.iter().filter(|b| **b == b'\n').count();
        out.write_all(&page.bytes).map_err(|e| format!("cannot write the CSV: {e}"))?;
        match page.next {
            Some(before) => query.before = Some(before),
            None => break,
        }
    }
    out.flush().map_err(|e| format!("cannot write the CSV: {e}"))?;
    if let Some(path) = &args.output {
        eprintln!("Wrote {} audit entries to {}.", lines.saturating_sub(1), path.display());
    }
    Ok(())
}

pub(super) async fn create_token(url: &str, keys: &LinkKeys, args: CreateTokenArgs) -> Result<(), String> {
    let db = open_db(url).await?;
    let (gate, admin) = Gate::system(system_backend(keys, db), "create-token");
    let expires_at = args.days.map(|d| crate::store::now_ms() + i64::from(d) * 86_400_000);
    let token = gate
        .backend()
        .accounts
        .issue_token(&admin, &args.username, &args.name, expires_at)
        .await
        .map_err(|e| e.message)?;
    println!("{token}");
    eprintln!(
        "Bearer token for {} ('{}'). It is shown only this once; store it safely.",
        args.username, args.name
    );
    Ok(())
}
