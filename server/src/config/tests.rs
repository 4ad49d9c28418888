use super::*;

#[test]
fn no_subcommand_means_serve_with_the_documented_defaults() {
    let cli = Cli::try_parse_from(["modelwatch"]).expect("parses");
    let (global, command) = cli.command_or_serve().expect("defaults parse");
    assert_eq!(global.database_url, "sqlite://data/modelwatch.db");
    let Command::Serve(serve) = command else {
        panic!("expected serve")
    };
    assert_eq!(serve.addr, "127.0.0.1:3000".parse().expect("addr"));
}

#[test]
fn flags_override_defaults() {
    let cli = Cli::try_parse_from([
        "modelwatch",
        "--database-url",
        "sqlite:///tmp/x.db",
        "--log-format",
        "json",
        "serve",
        "--addr",
        "0.0.0.0:8080",
    ])
    .expect("parses");
    assert_eq!(cli.global.database_url, "sqlite:///tmp/x.db");
    assert_eq!(cli.global.log_format, LogFormat::Json);
    let Some(Command::Serve(serve)) = cli.command else {
        panic!("expected serve")
    };
    assert_eq!(serve.addr.port(), 8080);
}

#[test]
fn webhook_allow_entries_are_parsed_and_a_bad_one_is_named() {
    let cli = Cli::try_parse_from([
        "modelwatch",
        "serve",
        "--webhook-allow",
        "127.0.0.1/32,hooks.internal",
    ])
    .expect("parses");
    let Some(Command::Serve(serve)) = cli.command else {
        panic!("expected serve")
    };
    assert_eq!(
        serve.webhook_allow,
        [AllowList(vec![
            "127.0.0.1/32".parse().expect("range"),
            "hooks.internal".parse().expect("host")
        ])]
    );
    let error = Cli::try_parse_from(["modelwatch", "serve", "--webhook-allow", "10.0.0.0/40"])
        .expect_err("must fail");
    let text = error.to_string();
    assert!(
        text.contains("--webhook-allow") && text.contains("10.0.0.0/40"),
        "{text}"
    );
}

#[test]
fn a_malformed_address_is_rejected_with_the_flag_name() {
    let error =
        Cli::try_parse_from(["modelwatch", "serve", "--addr", "localhost"]).expect_err("must fail");
    assert!(error.to_string().contains("--addr"), "{error}");
}
