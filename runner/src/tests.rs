//! The runner's own behaviour: its command line, the replacement flow as CloudFormation runs it,
//! and `--serve --bind`, all against the real handler, emulator and receiver.

use std::net::{Ipv6Addr, TcpListener, TcpStream};

use super::*;

fn args(list: &[&str]) -> Result<Command, String> {
    parse_args(list.iter().map(|s| s.to_string()))
}

fn event_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(format!("{name}.json"))
}

fn event(name: &str) -> Value {
    let text = std::fs::read_to_string(event_path(name)).expect("events/ is part of the repo");
    serde_json::from_str(&text).expect("events/ holds JSON")
}

fn serve_on(bind: IpAddr) -> ServeOptions {
    ServeOptions {
        bind,
        connect_port: 0,
        receiver_port: 0,
    }
}

#[test]
fn without_arguments_it_runs_the_lifecycle() {
    assert_eq!(args(&[]), Ok(Command::Run(vec![])));
    assert_eq!(
        args(&["events/create.json", "events/delete.json"]),
        Ok(Command::Run(vec![
            PathBuf::from("events/create.json"),
            PathBuf::from("events/delete.json")
        ]))
    );
}

#[test]
fn serve_listens_on_loopback_and_fixed_ports_by_default() {
    let Ok(Command::Serve(options)) = args(&["--serve"]) else {
        panic!("--serve is a Serve command");
    };
    assert_eq!(options.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!((options.connect_port, options.receiver_port), (9100, 9101));
}

#[test]
fn bind_sets_the_address_serve_listens_on() {
    let Ok(Command::Serve(options)) = args(&["--serve", "--bind", "0.0.0.0"]) else {
        panic!("--serve --bind is a Serve command");
    };
    assert_eq!(options.bind, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(options.connect_port, 9100);

    let Ok(Command::Serve(options)) = args(&["--bind", "::", "--serve"]) else {
        panic!("the order of options does not matter");
    };
    assert_eq!(options.bind, IpAddr::V6(Ipv6Addr::UNSPECIFIED));
}

#[test]
fn bind_needs_an_ip_address() {
    let missing = args(&["--serve", "--bind"]).unwrap_err();
    assert!(missing.contains("--bind needs an IP address"), "{missing}");
    let name = args(&["--serve", "--bind", "localhost"]).unwrap_err();
    assert!(name.contains("\"localhost\": not an IP address"), "{name}");
}

#[test]
fn bind_without_serve_and_files_with_serve_are_refused() {
    let bind = args(&["--bind", "0.0.0.0"]).unwrap_err();
    assert!(bind.contains("only to --serve"), "{bind}");
    let files = args(&["--serve", "events/create.json"]).unwrap_err();
    assert!(files.contains("--serve takes no event files"), "{files}");
    let unknown = args(&["--sreve"]).unwrap_err();
    assert!(unknown.starts_with("unknown option --sreve"), "{unknown}");
    assert_eq!(args(&["--help"]), Ok(Command::Help));
}

#[test]
fn local_urls_name_loopback_for_every_address_and_the_address_otherwise() {
    let any4 = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let any6 = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
    assert_eq!(local_url(any4, 9100), "http://127.0.0.1:9100");
    assert_eq!(local_url(any6, 9100), "http://[::1]:9100");
    let bridge = IpAddr::V4(Ipv4Addr::new(172, 17, 0, 1));
    assert_eq!(local_url(bridge, 9101), "http://172.17.0.1:9101");
}

#[test]
fn an_update_that_replaced_the_profile_is_followed_by_the_delete_of_the_old_one() {
    let update = event("update-replacement");
    let old = update["PhysicalResourceId"].as_str().unwrap();
    let new = "arn:aws:connect:us-east-1:123456789012:instance/c3a9d7e2-6f14-4b8e-a5d0-91e2f3b4c5d6/routing-profile/00000000-0000-4000-8000-000000000002";
    let answer = serde_json::json!({"Status": "SUCCESS", "PhysicalResourceId": new});

    let delete = cleanup_delete(&update, &answer).expect("a replacement is cleaned up");
    assert_eq!(delete["RequestType"], "Delete");
    assert_eq!(delete["PhysicalResourceId"], old);
    assert_eq!(
        delete["ResourceProperties"],
        update["OldResourceProperties"]
    );
    assert!(delete.get("OldResourceProperties").is_none());
    for same in [
        "StackId",
        "LogicalResourceId",
        "ResourceType",
        "ServiceToken",
    ] {
        assert_eq!(delete[same], update[same], "{same}");
    }
    let request = delete["RequestId"].as_str().unwrap();
    assert_ne!(delete["RequestId"], update["RequestId"]);
    assert!(delete["ResponseURL"].as_str().unwrap().contains(request));

    let failed = serde_json::json!({"Status": "FAILED", "PhysicalResourceId": new});
    assert!(cleanup_delete(&update, &failed).is_none());
    let same = serde_json::json!({"Status": "SUCCESS", "PhysicalResourceId": old});
    assert!(cleanup_delete(&update, &same).is_none());
    let in_place = event("update");
    let kept = serde_json::json!({"Status": "SUCCESS", "PhysicalResourceId": in_place["PhysicalResourceId"]});
    assert!(cleanup_delete(&in_place, &kept).is_none());
    assert!(cleanup_delete(&event("create"), &answer).is_none());
}

#[tokio::test]
async fn a_replacement_run_deletes_the_old_profile_and_leaves_nothing() {
    let files: Vec<PathBuf> = ["create", "update-replacement", "delete"]
        .iter()
        .map(|name| event_path(name))
        .collect();
    let run = run(&files, None).await.unwrap();

    let kinds: Vec<String> = run
        .steps
        .iter()
        .map(|step| field(&step.event, "RequestType"))
        .collect();
    assert_eq!(kinds, ["Create", "Update", "Delete", "Delete"]);
    assert!(run.all_succeeded());
    let physical = |i: usize| -> String {
        let answer = run.steps[i].answer.as_ref().expect("answered");
        answer["PhysicalResourceId"].as_str().unwrap().to_string()
    };
    let (created, replacement) = (physical(0), physical(1));
    assert_ne!(created, replacement);
    assert!(replacement.contains(connect_emulator::connect::DEMO_INSTANCE2_ID));

    // The cleanup Delete: the old id with the old properties, as CloudFormation sends it.
    let cleanup = &run.steps[2].event;
    assert_eq!(cleanup["PhysicalResourceId"], created.as_str());
    let replacement_event = event("update-replacement");
    assert_eq!(
        cleanup["ResourceProperties"]["InstanceId"],
        replacement_event["OldResourceProperties"]["InstanceId"]
    );
    assert_eq!(physical(2), created);
    // The stack's own Delete then removes the new profile.
    assert_eq!(
        run.steps[3].event["PhysicalResourceId"],
        replacement.as_str()
    );

    assert!(run.left.is_empty(), "left behind: {:?}", run.left);
}

#[tokio::test]
async fn the_default_lifecycle_succeeds_and_leaves_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files: Vec<PathBuf> = LIFECYCLE.iter().map(|f| root.join(f)).collect();
    let run = run(&files, None).await.unwrap();
    assert!(run.all_succeeded());
    // create, update, replacement, its cleanup, delete.
    assert_eq!(run.steps.len(), 5);
    assert!(run.left.is_empty(), "left behind: {:?}", run.left);
}

#[tokio::test]
async fn an_update_in_place_has_no_cleanup_delete() {
    let files = [event_path("create"), event_path("update")];
    let run = run(&files, None).await.unwrap();
    assert_eq!(run.steps.len(), 2);
    assert!(run.all_succeeded());
    assert_eq!(run.left.len(), 1);
}

/// 127.0.0.2 is a loopback address that a server bound to 127.0.0.1 does not answer on: it stands
/// in for the address a container reaches the host at. Linux routes all of 127/8 to loopback;
/// where it does not (macOS), these tests have nothing to show and say so.
fn other_address() -> Option<IpAddr> {
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    match TcpListener::bind((ip, 0)) {
        Ok(_) => Some(ip),
        Err(e) => {
            eprintln!("skipped: this system cannot use {ip} ({e})");
            None
        }
    }
}

#[tokio::test]
async fn serve_on_every_address_answers_a_client_that_is_not_on_127_0_0_1() {
    let Some(other) = other_address() else { return };
    let served = start_serving(&serve_on(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), None)
        .await
        .unwrap();
    assert_eq!(
        served.connect_url,
        format!("http://127.0.0.1:{}", served.connect.port())
    );

    // The real handler, as the function in a container would run it: Connect and the ResponseURL
    // both reached at the other address.
    let connect_url = format!("http://{}", SocketAddr::new(other, served.connect.port()));
    let handler = Handler::new(Connect::for_endpoint(&connect_url), Responder::new(false));
    let mut create = event("create");
    let key = "/cloudformation-response";
    create["ResponseURL"] = format!(
        "http://{}{key}",
        SocketAddr::new(other, served.receiver.port())
    )
    .into();
    handler
        .handle(create, Instant::now() + Duration::from_secs(30))
        .await
        .unwrap();

    let puts = served.receiver.requests();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].target, key);
    assert_eq!(puts[0].json()["Status"], "SUCCESS", "{}", puts[0].json());
    assert_eq!(served.connect.profiles().len(), 1);
    // And processes on this machine still reach it at the URL it prints.
    assert!(TcpStream::connect(served.receiver_url.trim_start_matches("http://")).is_ok());
}

#[tokio::test]
async fn serve_by_default_does_not_answer_beyond_127_0_0_1() {
    let Some(other) = other_address() else { return };
    let served = start_serving(&serve_on(IpAddr::V4(Ipv4Addr::LOCALHOST)), None)
        .await
        .unwrap();
    for port in [served.connect.port(), served.receiver.port()] {
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());
        assert!(
            TcpStream::connect((other, port)).is_err(),
            "port {port} answered on {other}"
        );
    }
}
