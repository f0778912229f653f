//! Writes that fit half-way (issue 9, case 4): every update whose end state is within Connect's
//! limits succeeds, though adding before removing would pass them on the way.

use connect_emulator::connect::demo_queue_id;
use serde_json::{Value, json};

use crate::world::*;

/// Routed queue configs for these (queue number, channel) pairs of the demo instance.
fn routed(pairs: &[(u32, &str)]) -> Value {
    json!(
        pairs
            .iter()
            .map(|(n, channel)| json!({
                "QueueReference": { "QueueId": demo_queue_id(*n), "Channel": channel },
                "Priority": "1"
            }))
            .collect::<Vec<_>>()
    )
}

/// Manual-assignment queue configs for these pairs.
fn manual(pairs: &[(u32, &str)]) -> Value {
    json!(
        pairs
            .iter()
            .map(|(n, channel)| json!({
                "QueueReference": { "QueueId": demo_queue_id(*n), "Channel": channel }
            }))
            .collect::<Vec<_>>()
    )
}

/// The operation and the answered status of each write call since the last `clear_calls`.
fn writes_answered(world: &World) -> Vec<(String, u16)> {
    world
        .connect
        .calls()
        .into_iter()
        .filter(|c| !c.operation.starts_with("Describe") && !c.operation.starts_with("List"))
        .map(|c| (c.operation, c.status))
        .collect()
}

#[tokio::test]
async fn forty_queues_replaced_by_forty_others_fit_a_quota_of_fifty_by_removing_first() {
    let world = World::start().await;
    world.connect.set_queues_per_profile(Some(50));
    // 60 (queue, channel) pairs; the profile goes from the first 40 to the last 40 (20 shared).
    let pairs: Vec<(u32, &str)> = (1..=30).flat_map(|n| [(n, "CHAT"), (n, "TASK")]).collect();
    let mut create = world.event("create");
    create["ResourceProperties"]["QueueConfigs"] = routed(&pairs[..40]);
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(world.live(&created.physical).await.queues.len(), 40);

    let mut props = created.properties();
    props["QueueConfigs"] = routed(&pairs[20..]);
    let update = update_from(&created, props);
    world.connect.clear_calls();
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(
        world.live(&created.physical).await,
        expected(&update, &create)
    );
    // Adding first: 10 fit (50), the next 10 are refused; then the rest removing first.
    assert_eq!(
        writes_answered(&world),
        [
            ("AssociateRoutingProfileQueues".to_string(), 200),
            ("AssociateRoutingProfileQueues".to_string(), 429),
            ("DisassociateRoutingProfileQueues".to_string(), 200),
            ("DisassociateRoutingProfileQueues".to_string(), 200),
            ("AssociateRoutingProfileQueues".to_string(), 200),
        ]
    );

    // When adding first fits, it is still what happens.
    let mut props = updated.properties();
    props["QueueConfigs"] = routed(&pairs[15..55]);
    world.connect.clear_calls();
    let shifted = world.send(update_from(&updated, props)).await;
    assert_eq!(shifted.status, "SUCCESS", "{shifted}");
    assert_eq!(
        world.writes(),
        [
            "AssociateRoutingProfileQueues",
            "DisassociateRoutingProfileQueues"
        ]
    );
}

#[tokio::test]
async fn forty_seven_tags_replaced_by_forty_seven_others_untag_first() {
    let world = World::start().await;
    let tags = |prefix: &str| -> Value {
        (0..47)
            .map(|n| (format!("{prefix}{n:02}"), json!("v")))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut create = world.event("create");
    create["ResourceProperties"]["Tags"] = tags("old-");
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    assert_eq!(world.live(&created.physical).await.tags.len(), 50);

    let mut props = created.properties();
    props["Tags"] = tags("new-");
    let update = update_from(&created, props);
    world.connect.clear_calls();
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(world.writes(), ["UntagResource", "TagResource"]);
    assert_eq!(
        world.live(&created.physical).await,
        expected(&update, &create)
    );
}

#[tokio::test]
async fn disassociations_send_at_most_ten_references_in_all() {
    let world = World::start().await;
    let routed_pairs: Vec<(u32, &str)> = (11..=25).map(|n| (n, "CHAT")).collect();
    let manual_pairs: Vec<(u32, &str)> = (1..=5)
        .flat_map(|n| [(n, "CHAT"), (n, "TASK"), (n, "EMAIL")])
        .collect();
    let mut create = world.event("create");
    create["ResourceProperties"]["QueueConfigs"] = routed(&routed_pairs);
    create["ResourceProperties"]["ManualAssignmentQueueConfigs"] = manual(&manual_pairs);
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");

    let mut props = created.properties();
    props["QueueConfigs"] = json!([]);
    props["ManualAssignmentQueueConfigs"] = json!([]);
    let update = update_from(&created, props);
    world.connect.clear_calls();
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    let references: Vec<usize> = world
        .connect
        .calls()
        .iter()
        .filter(|c| c.operation == "DisassociateRoutingProfileQueues")
        .map(|c| {
            let count = |list: &str| c.request[list].as_array().map_or(0, Vec::len);
            count("QueueReferences") + count("ManualAssignmentQueueReferences")
        })
        .collect();
    assert_eq!(
        references,
        [10, 10, 10],
        "15 routed and 15 manual, 10 per call"
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&update, &create)
    );
}
