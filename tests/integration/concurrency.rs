//! Channels and their workload types end to end: created, read back from Connect, changed and
//! removed with UpdateRoutingProfileConcurrency (always the full set), and nothing written when
//! the live profile already agrees.

use connect_emulator::connect::Profile;
use serde_json::{Value, json};

use crate::world::*;

/// The create event with CHAT's workload types set to `workloads` (or left out when null).
fn with_chat_workloads(mut props: Value, workloads: Value) -> Value {
    let chat = props["MediaConcurrencies"]
        .as_array_mut()
        .and_then(|all| all.iter_mut().find(|m| m["Channel"] == "CHAT"))
        .expect("the event has CHAT");
    match workloads {
        Value::Null => {
            chat.as_object_mut()
                .map(|m| m.remove("WorkloadTypeConcurrencies"));
        }
        workloads => chat["WorkloadTypeConcurrencies"] = workloads,
    }
    props
}

/// A channel's workload types as the emulator stores them: (type, concurrency, behavior).
fn stored_workloads(profile: &Profile, channel: &str) -> Vec<(String, i32, Option<String>)> {
    profile
        .media_concurrencies
        .iter()
        .find(|m| m.channel == channel)
        .map(|m| {
            m.workload_types
                .iter()
                .map(|w| {
                    (
                        w.workload_type.clone(),
                        w.concurrency,
                        w.behavior_type.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The MediaConcurrencies of the one UpdateRoutingProfileConcurrency call made since the last
/// `clear_calls`.
fn concurrency_sent(world: &World) -> Value {
    let calls: Vec<_> = world
        .connect
        .calls()
        .into_iter()
        .filter(|c| c.operation == "UpdateRoutingProfileConcurrency")
        .collect();
    assert_eq!(calls.len(), 1, "one concurrency update");
    calls[0].request["MediaConcurrencies"].clone()
}

fn channels_of(media: &Value) -> Vec<String> {
    media
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["Channel"].as_str().unwrap_or_default().to_string())
        .collect()
}

const BEHAVIOR_DEFAULT: &str = "ROUTE_CURRENT_CHANNEL_CURRENT_WORKLOADTYPE_ONLY";

#[tokio::test]
async fn workload_types_are_created_changed_and_removed_and_equal_ones_write_nothing() {
    let world = World::start().await;
    let mut create = world.event("create");
    create["ResourceProperties"] = with_chat_workloads(
        create["ResourceProperties"].clone(),
        json!([
            { "WorkloadType": "billing", "Concurrency": "2",
              "CrossChannelWorkloadBehavior": { "ChannelWorkloadBehaviorType": "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE" } },
            { "WorkloadType": "sales", "Concurrency": "1" }
        ]),
    );
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(world.calls(), ["CreateRoutingProfile"]);
    let id = created.profile().routing_profile_id;
    let stored = world.connect.profile(&id).expect("created");
    assert_eq!(
        stored_workloads(&stored, "CHAT"),
        [
            (
                "billing".to_string(),
                2,
                Some("ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE".to_string())
            ),
            ("sales".to_string(), 1, Some(BEHAVIOR_DEFAULT.to_string())),
        ],
        "the default behavior is sent, not left to Connect"
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&create, &create)
    );

    // The same template again: the live profile agrees, nothing is written.
    world.connect.clear_calls();
    let same = world
        .send(update_from(&created, created.properties()))
        .await;
    assert_eq!(same.status, "SUCCESS", "{same}");
    assert_eq!(world.writes(), Vec::<String>::new());

    // A workload type's concurrency changes, one is renamed, order shuffled: the full set is sent.
    let changed_props = with_chat_workloads(
        created.properties(),
        json!([
            { "WorkloadType": "returns", "Concurrency": "1" },
            { "WorkloadType": "billing", "Concurrency": "3",
              "CrossChannelWorkloadBehavior": { "ChannelWorkloadBehaviorType": "ROUTE_ANY_CHANNEL_ANY_WORKLOAD_TYPE" } }
        ]),
    );
    world.connect.clear_calls();
    let changed = world.send(update_from(&created, changed_props)).await;
    assert_eq!(changed.status, "SUCCESS", "{changed}");
    assert_eq!(world.writes(), ["UpdateRoutingProfileConcurrency"]);
    let sent = concurrency_sent(&world);
    assert_eq!(
        channels_of(&sent),
        ["VOICE", "CHAT", "TASK"],
        "every channel"
    );
    let stored = world.connect.profile(&id).expect("profile");
    let names: Vec<String> = stored_workloads(&stored, "CHAT")
        .into_iter()
        .map(|(name, n, _)| format!("{name}={n}"))
        .collect();
    assert_eq!(names, ["billing=3", "returns=1"]);
    assert_eq!(
        world.live(&changed.physical).await,
        expected(&changed.request, &created.request)
    );

    // Only the order differs from the live profile: nothing to write.
    let mut reordered = changed.properties();
    reordered["MediaConcurrencies"][1]["WorkloadTypeConcurrencies"]
        .as_array_mut()
        .expect("a list")
        .reverse();
    world.connect.clear_calls();
    let reordered = world.send(update_from(&changed, reordered)).await;
    assert_eq!(reordered.status, "SUCCESS", "{reordered}");
    assert_eq!(
        world.writes(),
        Vec::<String>::new(),
        "compared by workload type"
    );

    // Left out of the template: the set is sent without them, and Connect no longer has them.
    let removed_props = with_chat_workloads(changed.properties(), Value::Null);
    world.connect.clear_calls();
    let removed = world.send(update_from(&changed, removed_props)).await;
    assert_eq!(removed.status, "SUCCESS", "{removed}");
    assert_eq!(world.writes(), ["UpdateRoutingProfileConcurrency"]);
    let sent = concurrency_sent(&world);
    assert!(
        sent.as_array()
            .into_iter()
            .flatten()
            .all(|m| m.get("WorkloadTypeConcurrencies").is_none()),
        "no empty list is sent: {sent}"
    );
    let stored = world.connect.profile(&id).expect("profile");
    assert!(stored_workloads(&stored, "CHAT").is_empty());

    world.connect.clear_calls();
    let again = world.send(as_new_request(&removed.request)).await;
    assert_eq!(again.status, "SUCCESS", "{again}");
    assert_eq!(world.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn a_channel_dropped_from_the_template_is_disabled_and_stays_so() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let id = created.profile().routing_profile_id;

    let mut props = created.properties();
    props["MediaConcurrencies"]
        .as_array_mut()
        .expect("a list")
        .retain(|m| m["Channel"] != "CHAT");
    world.connect.clear_calls();
    let dropped = world.send(update_from(&created, props)).await;
    assert_eq!(dropped.status, "SUCCESS", "{dropped}");
    assert_eq!(world.writes(), ["UpdateRoutingProfileConcurrency"]);
    assert_eq!(
        channels_of(&concurrency_sent(&world)),
        ["VOICE", "TASK"],
        "the full desired set, without CHAT"
    );
    let channels: Vec<String> = world
        .connect
        .profile(&id)
        .expect("profile")
        .media_concurrencies
        .into_iter()
        .map(|m| m.channel)
        .collect();
    assert_eq!(channels, ["VOICE", "TASK"], "CHAT is disabled");

    // Connect reports CHAT (and EMAIL) with Concurrency 0; the function reads that as not enabled.
    let described = world
        .client
        .client()
        .describe_routing_profile()
        .instance_id(&created.profile().instance_id)
        .routing_profile_id(&id)
        .send()
        .await
        .expect("describe");
    let reported: Vec<(String, i32)> = described
        .routing_profile()
        .expect("a profile")
        .media_concurrencies()
        .iter()
        .map(|m| (m.channel().as_str().to_string(), m.concurrency()))
        .collect();
    assert!(reported.contains(&("CHAT".to_string(), 0)), "{reported:?}");
    let live = world.live(&dropped.physical).await;
    assert_eq!(live, expected(&dropped.request, &created.request));
    assert_eq!(live.concurrency.len(), 2);

    world.connect.clear_calls();
    let again = world.send(as_new_request(&dropped.request)).await;
    assert_eq!(again.status, "SUCCESS", "{again}");
    assert_eq!(
        world.writes(),
        Vec::<String>::new(),
        "a second identical update writes nothing"
    );
}
