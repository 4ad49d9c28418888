//! Passwords after sign-up, through the real server functions: a user changes their own (the
//! current one checked and rate-limited as a login is; every other session ends, this one
//! stays), and an admin resets a member's (a random password shown once; all their sessions
//! end), within the rules of who may reset whom.

use super::*;

/// Whether `session` is still signed in.
async fn live(app: &TestApp, session: &str) -> bool {
    let answer = app
        .get_as("/api/current_viewer", "application/json", Some(session))
        .await;
    match answer.status {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("current_viewer answered {other}: {}", answer.body),
    }
}

/// Signs in through the login form; the new session's token, or `None` when refused.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Option<String> {
    let answer = login(app, email, password, &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    answer
        .headers
        .get("set-cookie")
        .is_some()
        .then(|| session_of(&answer))
}

async fn change(app: &TestApp, session: &str, current: &str, new: &str) -> TestResponse {
    let body = format!(
        "current_password={}&new_password={}",
        app::url_state::encode_value(current),
        app::url_state::encode_value(new)
    );
    form(app, session, "/api/change_password", &body).await
}

async fn reset(app: &TestApp, session: &str, ws: i64, user_id: i64) -> TestResponse {
    form(
        app,
        session,
        "/api/reset_member_password",
        &format!("ws={ws}&user_id={user_id}"),
    )
    .await
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.storage
        .user_by_email(email)
        .await
        .expect("lookup")
        .expect("user")
        .id
}

const ADMIN: &str = "admin@test.local";
const NEW_PASSWORD: &str = "a brand new passphrase";

#[tokio::test]
async fn a_user_changes_their_password_and_only_the_session_that_asked_stays() {
    let app = spawn_app().await;
    let laptop = sign_in(&app, ADMIN, PASSWORD).await.expect("signed in");
    let phone = sign_in(&app, ADMIN, PASSWORD).await.expect("signed in");
    let someone_else = signed_in(app.storage.as_ref(), "other@test.local", WS, Role::Viewer).await;

    let wrong = change(&app, &app.session, "not my password", NEW_PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert_eq!(
        app_error(&wrong),
        AppError::Invalid("current_password: not your current password".into())
    );
    assert!(live(&app, &laptop).await && live(&app, &phone).await);

    let changed = change(&app, &app.session, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(
        changed.body, "2",
        "the laptop's and the phone's sessions ended"
    );
    assert!(
        live(&app, &app.session).await,
        "the session that asked stays"
    );
    assert!(!live(&app, &laptop).await);
    assert!(!live(&app, &phone).await);
    assert!(live(&app, &someone_else).await, "other users keep theirs");

    assert_eq!(
        sign_in(&app, ADMIN, PASSWORD).await,
        None,
        "the old one is gone"
    );
    assert!(sign_in(&app, ADMIN, NEW_PASSWORD).await.is_some());
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
        .bind(ADMIN)
        .fetch_one(&app.pool)
        .await
        .expect("hash");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
}

#[tokio::test]
async fn a_new_password_follows_the_rules_for_new_accounts_and_every_field_is_bounded() {
    let app = spawn_app().await;
    let long = "x".repeat(1_025);
    for (current, new, reason) in [
        (
            PASSWORD,
            "too short",
            "new_password: at least 10 characters",
        ),
        (PASSWORD, long.as_str(), "new_password: at most 1024 bytes"),
        (
            "",
            NEW_PASSWORD,
            "current_password: your password now, at most 1024 bytes",
        ),
        (
            long.as_str(),
            NEW_PASSWORD,
            "current_password: your password now, at most 1024 bytes",
        ),
    ] {
        let answer = change(&app, &app.session, current, new).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{reason}");
        assert_eq!(app_error(&answer), AppError::Invalid(reason.into()));
    }
    assert_eq!(
        app.state.limiter.verifications(),
        0,
        "refused before any password check"
    );
    assert!(sign_in(&app, ADMIN, PASSWORD).await.is_some(), "unchanged");
    let signed_out = app
        .raw(
            "POST",
            "/api/change_password",
            &[
                ("host", HOST),
                ("origin", ORIGIN),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            format!("current_password=x&new_password={NEW_PASSWORD}"),
        )
        .await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_login_limit() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let wrong = change(&app, &app.session, "a wrong guess", NEW_PASSWORD).await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    }
    let limited = change(&app, &app.session, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&wait), "{wait}");
    assert!(
        matches!(app_error(&limited), AppError::TooMany(reason) if reason.starts_with("current_password: too many attempts")),
        "{}",
        limited.body
    );
    // The account's logins wait too: guesses through either door share the limit.
    let login = login(&app, ADMIN, PASSWORD, &[]).await;
    assert_eq!(login.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.state.limiter.verifications(), 5);
}

#[tokio::test]
async fn an_admin_resets_a_members_password_which_works_once_shown() {
    let app = spawn_app().await;
    let added = form(
        &app,
        &app.session,
        "/api/add_member",
        "ws=1&email=member%40test.local&role=viewer",
    )
    .await
    .json();
    let first = added["new_password"].as_str().expect("password").to_owned();
    let member_id = added["member"]["user_id"].as_i64().expect("id");
    let session = sign_in(&app, "member@test.local", &first)
        .await
        .expect("signed in");
    let another = sign_in(&app, "member@test.local", &first)
        .await
        .expect("signed in");

    let answer = reset(&app, &app.session, 1, member_id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let reset: app::model::ResetPassword = serde_json::from_str(&answer.body).expect("answer");
    assert_eq!(reset.user_id, member_id);
    assert_eq!(reset.email, "member@test.local");
    assert_eq!(reset.password.chars().count(), 16);
    assert_ne!(reset.password, first);
    assert!(!live(&app, &session).await && !live(&app, &another).await);
    assert!(
        live(&app, &app.session).await,
        "the admin's own session stays"
    );
    assert_eq!(sign_in(&app, "member@test.local", &first).await, None);
    assert!(sign_in(&app, "member@test.local", &reset.password)
        .await
        .is_some());
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM users WHERE password_hash = '{}'",
            reset.password
        ))
        .await,
        0,
        "stored hashed"
    );
}

#[tokio::test]
async fn a_reset_unlocks_a_member_locked_out_by_failed_logins() {
    let app = spawn_app().await;
    signed_in(app.storage.as_ref(), "locked@test.local", WS, Role::Viewer).await;
    for _ in 0..5 {
        sign_in(&app, "locked@test.local", "a wrong guess").await;
    }
    let locked = login(&app, "locked@test.local", PASSWORD, &[]).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    let id = user_id(&app, "locked@test.local").await;
    let answer = reset(&app, &app.session, 1, id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let password = answer.json()["password"]
        .as_str()
        .expect("password")
        .to_owned();
    assert!(sign_in(&app, "locked@test.local", &password)
        .await
        .is_some());
}

#[tokio::test]
async fn only_an_admin_resets_and_only_members_whose_every_workspace_they_administer() {
    let app = spawn_app().await;
    let viewer = signed_in(app.storage.as_ref(), "viewer@test.local", WS, Role::Viewer).await;
    let member = signed_in(app.storage.as_ref(), "member@test.local", WS, Role::Viewer).await;
    let member_id = user_id(&app, "member@test.local").await;
    let admin_id = user_id(&app, ADMIN).await;
    let hash_of = |email: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .expect("hash")
        }
    };
    let before = hash_of("member@test.local").await;

    let by_viewer = reset(&app, &viewer, 1, member_id).await;
    assert_eq!(
        by_viewer.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_viewer.body
    );
    assert_eq!(
        app_error(&by_viewer),
        AppError::Forbidden("only an admin of this workspace may do this".into())
    );

    let own = reset(&app, &app.session, 1, admin_id).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app_error(&own),
        AppError::Invalid("user_id: change your own password under Account".into())
    );

    // Not a member here: not found, whoever they are.
    let stranger = signed_in(
        app.storage.as_ref(),
        "stranger@test.local",
        app.storage
            .find_or_create_workspace("other", now_ms())
            .await
            .expect("workspace"),
        Role::Viewer,
    )
    .await;
    let stranger_id = user_id(&app, "stranger@test.local").await;
    let not_here = reset(&app, &app.session, 1, stranger_id).await;
    assert_eq!(not_here.status, StatusCode::NOT_FOUND, "{}", not_here.body);
    assert!(live(&app, &stranger).await);

    // A member of a workspace this admin does not administer is not theirs to take over.
    let other = app
        .storage
        .find_workspace_id("other")
        .await
        .expect("lookup")
        .expect("other");
    app.storage
        .set_membership(other, member_id, Role::Viewer)
        .await
        .expect("membership");
    let beyond = reset(&app, &app.session, 1, member_id).await;
    assert_eq!(beyond.status, StatusCode::FORBIDDEN, "{}", beyond.body);
    assert_eq!(
        app_error(&beyond),
        AppError::Forbidden(
            "user_id: they are also a member of a workspace you do not administer".into()
        )
    );
    // Nor is a server administrator, unless the admin is one.
    app.storage
        .change_membership(other, member_id, None)
        .await
        .expect("removed")
        .expect("a member");
    sqlx::query("UPDATE users SET is_admin = TRUE WHERE id = $1")
        .bind(member_id)
        .execute(&app.pool)
        .await
        .expect("server admin");
    let server_admin = reset(&app, &app.session, 1, member_id).await;
    assert_eq!(server_admin.status, StatusCode::FORBIDDEN);
    assert_eq!(
        hash_of("member@test.local").await,
        before,
        "nothing changed"
    );
    assert!(live(&app, &member).await);

    sqlx::query("UPDATE users SET is_admin = TRUE WHERE id = $1")
        .bind(admin_id)
        .execute(&app.pool)
        .await
        .expect("server admin");
    let by_server_admin = reset(&app, &app.session, 1, member_id).await;
    assert_eq!(
        by_server_admin.status,
        StatusCode::OK,
        "{}",
        by_server_admin.body
    );
    assert!(!live(&app, &member).await);
}
