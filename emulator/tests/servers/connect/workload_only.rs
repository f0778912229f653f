//! A channel given by its workload types alone: the model makes `MediaConcurrency.Concurrency`
//! optional, and aws-sdk-connect 1.220 always sends one, so these requests are written by hand.

use serde_json::{Value, json};

use connect_emulator::DEMO_INSTANCE_ID;
use connect_emulator::demo_queue_id;

use super::{channels, create_basic, described_media, seeded};
use crate::raw_http;

/// A Create body whose CHAT channel is `chat`.
fn create_body(name: &str, chat: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "Name": name,
        "Description": "workload types",
        "DefaultOutboundQueueId": demo_queue_id(1),
        "MediaConcurrencies": [{ "Channel": "VOICE", "Concurrency": 1 }, chat]
    }))
    .expect("JSON")
}

fn billing(concurrency: i64) -> Value {
    json!([{ "WorkloadType": "billing", "Concurrency": concurrency }])
}

/// `(status, error type)` of a response.
fn answer(response: &raw_http::Response) -> (u16, Option<String>) {
    (
        response.status,
        response.header("x-amzn-errortype").map(str::to_string),
    )
}

#[tokio::test]
async fn a_channel_without_concurrency_is_kept_and_described_as_given() {
    let (emu, client) = seeded().await;
    let addr = emu.endpoint().trim_start_matches("http://").to_string();
    let path = format!("/routing-profiles/{DEMO_INSTANCE_ID}");

    let body = create_body(
        "Only workload types",
        json!({ "Channel": "CHAT", "WorkloadTypeConcurrencies": billing(3) }),
    );
    let created = raw_http::http(&addr, "PUT", &path, &[], &body).await;
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let id = created.json()["RoutingProfileId"]
        .as_str()
        .expect("an id")
        .to_string();
    let stored = emu.profile(&id).expect("stored");
    let chat = &stored.media_concurrencies[1];
    assert_eq!((chat.channel.as_str(), chat.concurrency), ("CHAT", None));
    assert_eq!(chat.workload_types[0].concurrency, 3);

    // Described as given: the workload types, and no Concurrency of the channel's own.
    let described = raw_http::http(&addr, "GET", &format!("{path}/{id}"), &[], b"").await;
    let media = described.json()["RoutingProfile"]["MediaConcurrencies"].clone();
    let chat = media
        .as_array()
        .and_then(|all| all.iter().find(|m| m["Channel"] == "CHAT"))
        .expect("CHAT described");
    assert!(chat.get("Concurrency").is_none(), "{chat}");
    assert_eq!(chat["WorkloadTypeConcurrencies"], billing(3));
    // The SDK reads the missing member as 0.
    assert_eq!(
        channels(&described_media(&client, &id).await),
        [
            ("VOICE".to_string(), 1, 0),
            ("CHAT".to_string(), 0, 1),
            ("TASK".to_string(), 0, 0),
            ("EMAIL".to_string(), 0, 0)
        ]
    );

    // UpdateRoutingProfileConcurrency replaces it with both; they are not compared.
    let both = json!({ "MediaConcurrencies": [
        { "Channel": "CHAT", "Concurrency": 1, "WorkloadTypeConcurrencies": billing(5) }
    ] });
    let updated = raw_http::http(
        &addr,
        "POST",
        &format!("{path}/{id}/concurrency"),
        &[],
        &serde_json::to_vec(&both).expect("JSON"),
    )
    .await;
    assert_eq!(
        updated.status,
        200,
        "{}",
        String::from_utf8_lossy(&updated.body)
    );
    let chat = emu.profile(&id).expect("stored").media_concurrencies[0].clone();
    assert_eq!(chat.concurrency, Some(1));
    assert_eq!(chat.workload_types[0].concurrency, 5);
}

#[tokio::test]
async fn a_channel_needs_its_concurrency_or_workload_types_and_a_given_one_keeps_its_range() {
    let (emu, client) = seeded().await;
    let addr = emu.endpoint().trim_start_matches("http://").to_string();
    let path = format!("/routing-profiles/{DEMO_INSTANCE_ID}");
    let id = create_basic(&client, "Kept").await;
    let before = emu.profiles();

    for chat in [
        json!({ "Channel": "CHAT" }),
        json!({ "Channel": "CHAT", "Concurrency": 0, "WorkloadTypeConcurrencies": billing(2) }),
        json!({ "Channel": "CHAT", "Concurrency": 11, "WorkloadTypeConcurrencies": billing(2) }),
        json!({ "Channel": "CHAT", "WorkloadTypeConcurrencies": [] }),
    ] {
        let created = raw_http::http(
            &addr,
            "PUT",
            &path,
            &[],
            &create_body("Refused", chat.clone()),
        )
        .await;
        assert_eq!(
            answer(&created),
            (400, Some("InvalidParameterException".into())),
            "create {chat}"
        );
        let body = serde_json::to_vec(&json!({ "MediaConcurrencies": [chat] })).expect("JSON");
        let updated = raw_http::http(
            &addr,
            "POST",
            &format!("{path}/{id}/concurrency"),
            &[],
            &body,
        )
        .await;
        assert_eq!(
            answer(&updated),
            (400, Some("InvalidParameterException".into())),
            "update"
        );
    }
    assert_eq!(emu.profiles(), before, "nothing refused changed anything");
}

#[tokio::test]
async fn the_sdk_sends_a_concurrency_for_every_channel() {
    // Why the function takes the member out itself: the SDK cannot leave it out.
    let (emu, client) = seeded().await;
    let chat = aws_sdk_connect::types::MediaConcurrency::builder()
        .channel(aws_sdk_connect::types::Channel::Chat)
        .workload_type_concurrencies(
            aws_sdk_connect::types::WorkloadTypeConcurrency::builder()
                .workload_type("billing")
                .concurrency(2)
                .build()
                .expect("workload type"),
        )
        .build()
        .expect("a channel");
    let err = super::create(&client, "Sent with 0")
        .media_concurrencies(chat)
        .send()
        .await
        .expect_err("Concurrency 0 is below CHAT's documented minimum");
    let sent = emu.calls().pop().expect("the call").request;
    assert_eq!(sent["MediaConcurrencies"][1]["Concurrency"], 0, "{sent}");
    assert_eq!(
        aws_sdk_connect::error::ProvideErrorMetadata::code(&err),
        Some("InvalidParameterException")
    );
}
