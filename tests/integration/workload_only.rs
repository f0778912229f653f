//! A channel given by its workload types alone (no `Concurrency` of its own), end to end: the
//! Create and the Update send no Concurrency for it, the emulator keeps and describes it so, and a
//! second Update writes nothing, whatever Connect reports as the channel's own concurrency.

use aws_sdk_connect::types::MediaConcurrency;
use serde_json::{Value, json};

use crate::world::*;

/// The create event with CHAT given by `workloads` alone and TASK by both its Concurrency and one
/// workload type.
fn create_event(world: &World, workloads: Value) -> Value {
    let mut create = world.event("create");
    let media = &mut create["ResourceProperties"]["MediaConcurrencies"];
    media[1] = json!({
        "Channel": "CHAT",
        "CrossChannelBehavior": { "BehaviorType": "ROUTE_ANY_CHANNEL" },
        "WorkloadTypeConcurrencies": workloads
    });
    media[2]["WorkloadTypeConcurrencies"] =
        json!([{ "WorkloadType": "review", "Concurrency": "2" }]);
    create
}

/// The MediaConcurrencies entry for `channel` of the last call of `operation`.
fn sent(world: &World, operation: &str, channel: &str) -> Value {
    let call = world
        .connect
        .calls()
        .into_iter()
        .rev()
        .find(|c| c.operation == operation)
        .unwrap_or_else(|| panic!("no {operation}"));
    call.request["MediaConcurrencies"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["Channel"] == channel).cloned())
        .unwrap_or_else(|| panic!("{channel} not sent: {}", call.request))
}

/// The channels Describe reports for the profile `answer` names.
async fn reported(world: &World, answer: &Answer) -> Vec<MediaConcurrency> {
    let profile = answer.profile();
    world
        .client
        .client()
        .describe_routing_profile()
        .instance_id(&profile.instance_id)
        .routing_profile_id(&profile.routing_profile_id)
        .send()
        .await
        .expect("describe")
        .routing_profile()
        .expect("a profile")
        .media_concurrencies()
        .to_vec()
}

/// What Describe reports for each channel: (channel, Concurrency, workload types).
async fn described(world: &World, answer: &Answer) -> Vec<(String, i32, usize)> {
    reported(world, answer)
        .await
        .iter()
        .map(|m| {
            let workloads = m.workload_type_concurrencies().len();
            (m.channel().as_str().to_string(), m.concurrency(), workloads)
        })
        .collect()
}

#[tokio::test]
async fn a_channel_given_by_workload_types_alone_is_created_updated_and_then_left_alone() {
    let world = World::start().await;
    let create = create_event(
        &world,
        json!([{ "WorkloadType": "billing", "Concurrency": "2" },
               { "WorkloadType": "sales", "Concurrency": "1" }]),
    );
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(world.calls(), ["CreateRoutingProfile"]);
    let chat = sent(&world, "CreateRoutingProfile", "CHAT");
    assert!(chat.get("Concurrency").is_none(), "none is made up: {chat}");
    assert_eq!(
        chat["WorkloadTypeConcurrencies"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        sent(&world, "CreateRoutingProfile", "TASK")["Concurrency"],
        3
    );

    // The emulator keeps the channel without a Concurrency and describes it so (the SDK reads
    // the missing member as 0); the function reads it back as the template has it.
    let id = created.profile().routing_profile_id;
    let stored = world.connect.profile(&id).expect("created");
    assert_eq!(stored.media_concurrencies[1].channel, "CHAT");
    assert_eq!(stored.media_concurrencies[1].concurrency, None);
    assert_eq!(
        described(&world, &created).await,
        [
            ("VOICE".to_string(), 1, 0),
            ("CHAT".to_string(), 0, 2),
            ("TASK".to_string(), 3, 1),
            ("EMAIL".to_string(), 0, 0)
        ]
    );
    let live = world.live(&created.physical).await;
    assert_eq!(live, expected(&create, &create));
    assert_eq!(
        live.concurrency.len(),
        3,
        "CHAT is enabled by its workload types"
    );

    // A workload type changes: the full set is sent, CHAT still without a Concurrency.
    let mut props = created.properties();
    props["MediaConcurrencies"][1]["WorkloadTypeConcurrencies"][0]["Concurrency"] = json!("4");
    world.connect.clear_calls();
    let updated = world.send(update_from(&created, props)).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(world.writes(), ["UpdateRoutingProfileConcurrency"]);
    let chat = sent(&world, "UpdateRoutingProfileConcurrency", "CHAT");
    assert!(chat.get("Concurrency").is_none(), "{chat}");
    assert_eq!(chat["WorkloadTypeConcurrencies"][0]["Concurrency"], 4);
    let stored = world.connect.profile(&id).expect("profile");
    assert_eq!(
        stored.media_concurrencies[1].workload_types[0].concurrency,
        4
    );
    assert_eq!(
        world.live(&updated.physical).await,
        expected(&updated.request, &created.request)
    );

    // The same template again writes nothing.
    world.connect.clear_calls();
    let again = world.send(as_new_request(&updated.request)).await;
    assert_eq!(again.status, "SUCCESS", "{again}");
    assert_eq!(world.writes(), Vec::<String>::new());

    // Had Connect reported a number of its own for CHAT (its documentation does not say what it
    // reports), the same template would still write nothing.
    let console: Vec<_> = reported(&world, &updated)
        .await
        .into_iter()
        .filter(|m| m.concurrency() > 0 || !m.workload_type_concurrencies().is_empty())
        .map(|mut m| {
            if m.channel().as_str() == "CHAT" {
                m.concurrency = 5;
            }
            m
        })
        .collect();
    world
        .client
        .client()
        .update_routing_profile_concurrency()
        .instance_id(&updated.profile().instance_id)
        .routing_profile_id(&id)
        .set_media_concurrencies(Some(console))
        .send()
        .await
        .expect("the console's write");
    assert_eq!(
        described(&world, &updated).await[1],
        ("CHAT".to_string(), 5, 2)
    );
    world.connect.clear_calls();
    let third = world.send(as_new_request(&updated.request)).await;
    assert_eq!(third.status, "SUCCESS", "{third}");
    assert_eq!(world.writes(), Vec::<String>::new());

    // Giving CHAT its Concurrency is a change, written with both.
    let mut props = updated.properties();
    props["MediaConcurrencies"][1]["Concurrency"] = json!("2");
    world.connect.clear_calls();
    let both = world.send(update_from(&updated, props)).await;
    assert_eq!(both.status, "SUCCESS", "{both}");
    assert_eq!(world.writes(), ["UpdateRoutingProfileConcurrency"]);
    assert_eq!(
        sent(&world, "UpdateRoutingProfileConcurrency", "CHAT")["Concurrency"],
        2
    );
    assert_eq!(
        described(&world, &both).await[1],
        ("CHAT".to_string(), 2, 2)
    );
}

#[tokio::test]
async fn a_channel_with_neither_is_refused_before_any_call() {
    let world = World::start().await;
    let mut create = world.event("create");
    create["ResourceProperties"]["MediaConcurrencies"][1] = json!({ "Channel": "CHAT" });
    let refused = world.send(create).await;
    assert_eq!(refused.status, "FAILED", "{refused}");
    assert!(
        refused.reason.contains(
            "MediaConcurrencies[1].Concurrency: is required when the channel has no WorkloadTypeConcurrencies"
        ),
        "{}",
        refused.reason
    );
    assert_eq!(world.calls(), Vec::<String>::new());
}
