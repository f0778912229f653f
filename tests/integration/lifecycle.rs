//! Create, Update and Delete end to end: the real handler, the real aws-sdk-connect client over
//! HTTP to the Connect emulator, and the real answer PUT to a local receiver.

use connect_emulator::connect::{DEMO_INSTANCE_ID, DEMO_INSTANCE2_ID, Fault, demo_queue_id};
use routing_profile_resource::lifecycle::ownership::{OWNER_LOGICAL_ID_TAG, OWNER_STACK_TAG};
use serde_json::{Value, json};

use crate::world::*;

#[tokio::test]
async fn create_builds_every_property_and_answers_arn_and_id() {
    let world = World::start().await;
    let event = world.event("create");
    let created = world.send(event.clone()).await;

    assert_eq!(created.status, "SUCCESS", "{created}");
    let profile = created.profile();
    assert_eq!(profile.instance_id, DEMO_INSTANCE_ID);
    assert_eq!(created.data["RoutingProfileArn"], created.physical);
    assert_eq!(created.data["RoutingProfileId"], profile.routing_profile_id);
    assert_eq!(created.body["StackId"], event["StackId"]);
    assert_eq!(created.body["RequestId"], event["RequestId"]);
    assert_eq!(created.body["LogicalResourceId"], "SupportTier1");
    assert_eq!(
        world.calls(),
        ["CreateRoutingProfile"],
        "one call when everything fits in it"
    );

    // Connect was called with plain IDs, never ARNs, and holds every property.
    let stored = world
        .connect
        .profile(&profile.routing_profile_id)
        .expect("profile exists");
    assert_eq!(stored.name, "Support Tier 1");
    assert_eq!(stored.default_outbound_queue_id, demo_queue_id(1));
    let queues: Vec<(String, String, i32, i32)> = stored
        .queue_configs
        .iter()
        .map(|q| (q.queue_id.clone(), q.channel.clone(), q.priority, q.delay))
        .collect();
    assert_eq!(
        queues,
        [
            (demo_queue_id(2), "VOICE".to_string(), 1, 0),
            (demo_queue_id(3), "CHAT".to_string(), 2, 0),
            (demo_queue_id(4), "TASK".to_string(), 3, 30),
        ]
    );
    let manual: Vec<(String, String)> = stored
        .manual_assignment_queues
        .iter()
        .map(|q| (q.queue_id.clone(), q.channel.clone()))
        .collect();
    assert_eq!(
        manual,
        [
            (demo_queue_id(6), "CHAT".into()),
            (demo_queue_id(7), "TASK".into())
        ]
    );
    let concurrency: Vec<(String, Option<i32>, String)> = stored
        .media_concurrencies
        .iter()
        .map(|m| (m.channel.clone(), m.concurrency, m.behavior_type.clone()))
        .collect();
    assert!(
        concurrency.contains(&("CHAT".into(), Some(2), "ROUTE_ANY_CHANNEL".into())),
        "{concurrency:?}"
    );
    assert_eq!(concurrency.len(), 3);
    assert_eq!(stored.agent_availability_timer, "TIME_SINCE_LAST_ACTIVITY");
    assert_eq!(
        stored.tags.get("CostCentre").map(String::as_str),
        Some("CC-1042")
    );
    assert_eq!(
        stored.tags.get(OWNER_STACK_TAG),
        event["StackId"].as_str().map(str::to_string).as_ref()
    );
    assert_eq!(
        stored.tags.get(OWNER_LOGICAL_ID_TAG).map(String::as_str),
        Some("SupportTier1")
    );
    assert_eq!(
        world.live(&created.physical).await,
        expected(&event, &event)
    );
}

#[tokio::test]
async fn update_in_place_writes_only_what_differs_and_nothing_when_nothing_differs() {
    let world = World::start().await;
    let create = world.event("create");
    let physical = world.send(create.clone()).await.physical;

    world.connect.clear_calls();
    let update = world.event_on("update", &physical);
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_eq!(updated.physical, physical, "same id: updated in place");
    assert_eq!(updated.data["RoutingProfileArn"], physical);
    assert_eq!(world.live(&physical).await, expected(&update, &create));
    // The live profile was read (all pages), and each kind of write made once.
    let calls = world.calls();
    for read in [
        "DescribeRoutingProfile",
        "ListRoutingProfileQueues",
        "ListRoutingProfileManualAssignmentQueues",
    ] {
        assert!(calls.contains(&read.to_string()), "{read} in {calls:?}");
    }
    let mut writes = world.writes();
    writes.sort();
    let mut unique = writes.clone();
    unique.dedup();
    assert_eq!(writes, unique, "no write repeated: {writes:?}");
    assert!(!writes.contains(&"CreateRoutingProfile".to_string()));

    world.connect.clear_calls();
    let again = world.send(as_new_request(&update)).await;
    assert_eq!(again.status, "SUCCESS");
    assert_eq!(
        world.writes(),
        Vec::<String>::new(),
        "an update that changes nothing writes nothing"
    );
}

#[tokio::test]
async fn a_priority_change_is_made_in_place_and_only_the_changed_queue_is_sent() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;

    let mut props = created.properties();
    props["QueueConfigs"][1]["Priority"] = json!("7");
    world.connect.clear_calls();
    assert_eq!(
        world.send(update_from(&created, props)).await.status,
        "SUCCESS"
    );
    assert_eq!(world.writes(), ["UpdateRoutingProfileQueues"]);
    let call = world
        .connect
        .calls()
        .into_iter()
        .find(|c| c.operation == "UpdateRoutingProfileQueues")
        .expect("the call");
    let sent = &call.request["QueueConfigs"];
    assert_eq!(sent.as_array().map(Vec::len), Some(1), "{sent}");
    assert_eq!(sent[0]["Priority"], 7);
}

#[tokio::test]
async fn console_edits_are_repaired_from_the_live_profile() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let profile = created.profile();

    // Someone edits the profile in the console: a priority, a queue removed, a tag removed.
    let sdk = world.client.client();
    let reference = aws_sdk_connect::types::RoutingProfileQueueReference::builder()
        .queue_id(demo_queue_id(3))
        .channel(aws_sdk_connect::types::Channel::Chat)
        .build()
        .expect("reference");
    sdk.disassociate_routing_profile_queues()
        .instance_id(&profile.instance_id)
        .routing_profile_id(&profile.routing_profile_id)
        .queue_references(reference)
        .send()
        .await
        .expect("console disassociate");
    sdk.untag_resource()
        .resource_arn(&created.physical)
        .tag_keys("CostCentre")
        .send()
        .await
        .expect("console untag");
    sdk.update_routing_profile_name()
        .instance_id(&profile.instance_id)
        .routing_profile_id(&profile.routing_profile_id)
        .name("Renamed in the console")
        .send()
        .await
        .expect("console rename");

    // The same template again (OldResourceProperties equal): the live state is what is compared.
    let update = update_from(&created, created.properties());
    world.connect.clear_calls();
    assert_eq!(world.send(update).await.status, "SUCCESS");
    let repaired = expected(&created.request, &created.request);
    assert_eq!(world.live(&created.physical).await, repaired);
    assert_eq!(
        world.writes(),
        [
            "UpdateRoutingProfileName",
            "AssociateRoutingProfileQueues",
            "TagResource"
        ]
    );
}

#[tokio::test]
async fn a_half_applied_update_fails_and_its_rollback_converges() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let physical = &created.physical;

    // The update breaks at its fifth write (UpdateRoutingProfileQueues), after four were made.
    world.connect.inject(
        "UpdateRoutingProfileQueues",
        Fault::Error {
            status: 400,
            error_type: "InvalidParameterException".into(),
            message: "Queue is in a bad state".into(),
        },
        1,
    );
    let failed = world.send(world.event_on("update", physical)).await;
    assert_eq!(failed.status, "FAILED");
    assert_eq!(&failed.physical, physical, "a failed update keeps the id");
    assert!(
        failed.reason.contains(
            "UpdateRoutingProfileQueues failed: InvalidParameterException: Queue is in a bad state"
        ),
        "{}",
        failed.reason
    );
    assert!(
        failed.reason.contains("after 4 of 8 changes were made"),
        "{}",
        failed.reason
    );
    assert_ne!(
        world.live(physical).await,
        expected(&created.request, &created.request),
        "half applied"
    );

    let rollback = world.event_on("update-rollback", physical);
    let rolled_back = world.send(rollback.clone()).await;
    assert_eq!(rolled_back.status, "SUCCESS", "{rolled_back}");
    assert_eq!(&rolled_back.physical, physical);
    assert_eq!(
        world.live(physical).await,
        expected(&rollback, &created.request)
    );
    assert_eq!(
        expected(&rollback, &created.request),
        expected(&created.request, &created.request)
    );
}

#[tokio::test]
async fn a_new_instance_means_a_new_profile_and_the_old_one_waits_for_its_delete() {
    let world = World::start().await;
    let old = world.send(world.event("create")).await.physical;

    let replacement = world.event_on("update-replacement", &old);
    let replaced = world.send(replacement.clone()).await;
    assert_eq!(replaced.status, "SUCCESS", "{replaced}");
    let new = replaced.physical.clone();
    assert_ne!(
        new, old,
        "a different id tells CloudFormation it was replaced"
    );
    assert_eq!(replaced.profile().instance_id, DEMO_INSTANCE2_ID);
    assert_eq!(world.live(&new).await, expected(&replacement, &replacement));
    assert!(
        world
            .connect
            .profile(&profile_ref(&old).routing_profile_id)
            .is_some(),
        "old left for cleanup"
    );

    // CloudFormation's cleanup deletes the old one; the new one stays.
    let cleanup = world.event_on("delete", &old);
    assert_eq!(world.send(cleanup).await.status, "SUCCESS");
    assert_eq!(world.profile_arns(), [new]);
}

#[tokio::test]
async fn the_same_instance_as_id_or_arn_is_not_a_replacement() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let mut props = created.properties();
    props["InstanceId"] = json!(DEMO_INSTANCE_ID);
    world.connect.clear_calls();
    let updated = world.send(update_from(&created, props)).await;
    assert_eq!(updated.physical, created.physical);
    assert_eq!(world.writes(), Vec::<String>::new());
}

#[tokio::test]
async fn more_than_ten_queues_are_created_in_batches_of_ten() {
    let world = World::start().await;
    let event = world.event("create-large");
    let queue_count = event["ResourceProperties"]["QueueConfigs"]
        .as_array()
        .map(Vec::len);
    assert_eq!(queue_count, Some(25));
    let created = world.send(event.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    // The writes, then the read that shows them before the answer.
    assert_eq!(
        world.calls(),
        [
            "CreateRoutingProfile",
            "AssociateRoutingProfileQueues",
            "AssociateRoutingProfileQueues",
            "DescribeRoutingProfile",
            "ListRoutingProfileQueues",
            "ListRoutingProfileManualAssignmentQueues"
        ]
    );
    for call in world.connect.calls() {
        let sent = call.request["QueueConfigs"].as_array().map_or(0, Vec::len);
        assert!(sent <= 10, "{} sent {sent} queue configs", call.operation);
    }
    let physical = &created.physical;
    assert_eq!(world.live(physical).await.queues.len(), 25);
    assert_eq!(world.live(physical).await, expected(&event, &event));

    // Removing 12 of them disassociates in batches too, and re-reading lists every page.
    let mut props = created.properties();
    props["QueueConfigs"]
        .as_array_mut()
        .expect("list")
        .truncate(13);
    let update = update_from(&created, props);
    world.connect.clear_calls();
    assert_eq!(world.send(update.clone()).await.status, "SUCCESS");
    assert_eq!(
        world.writes(),
        [
            "DisassociateRoutingProfileQueues",
            "DisassociateRoutingProfileQueues"
        ]
    );
    assert_eq!(
        world.live(physical).await,
        expected(&update, &created.request)
    );
}

#[tokio::test]
async fn a_create_that_fails_after_the_profile_exists_answers_its_arn_so_delete_removes_it() {
    let world = World::start().await;
    world.connect.inject(
        "AssociateRoutingProfileQueues",
        Fault::Error {
            status: 429,
            error_type: "LimitExceededException".into(),
            message: "The allowed limit for the resource has been exceeded.".into(),
        },
        1,
    );
    // Twice: a quota refusal of an association is answered by planning again, removing first;
    // with nothing to remove, the second plan's association is refused too.
    world.connect.inject(
        "AssociateRoutingProfileQueues",
        Fault::Error {
            status: 429,
            error_type: "LimitExceededException".into(),
            message: "The allowed limit for the resource has been exceeded.".into(),
        },
        1,
    );
    let failed = world.send(world.event("create-large")).await;
    assert_eq!(failed.status, "FAILED");
    assert!(
        failed.profile().instance_id == DEMO_INSTANCE_ID,
        "the ARN of what exists"
    );
    assert!(
        failed.reason.contains("LimitExceededException"),
        "{}",
        failed.reason
    );
    assert_eq!(
        world
            .calls()
            .iter()
            .filter(|c| *c == "AssociateRoutingProfileQueues")
            .count(),
        2,
        "a quota error is not retried by the SDK, only planned around once: {:?}",
        world.calls()
    );

    assert_eq!(world.send(delete_from(&failed)).await.status, "SUCCESS");
    assert!(world.connect.profiles().is_empty(), "nothing left behind");
}

#[tokio::test]
async fn invalid_properties_fail_before_any_call_and_the_following_delete_touches_nothing() {
    let world = World::start().await;
    let mut create = world.event("create");
    create["ResourceProperties"]["QueueConfigs"][1]["QueueReference"]["Channel"] = json!("FAX");
    create["ResourceProperties"]["Descripton"] = json!("typo");
    let failed = world.send(create.clone()).await;
    assert_eq!(failed.status, "FAILED");
    assert_eq!(
        failed.reason,
        "Invalid properties: Descripton: unknown property (did you mean Description?); QueueConfigs[1].QueueReference.Channel: \"FAX\" is not one of VOICE, CHAT, TASK, EMAIL"
    );
    assert_eq!(
        failed.physical,
        format!(
            "not-created-{}",
            create["RequestId"].as_str().unwrap_or_default()
        )
    );
    assert!(
        world.calls().is_empty(),
        "no Connect call: {:?}",
        world.calls()
    );

    // No CreateRoutingProfile was sent, so the Delete has nothing to look for and touches
    // nothing: a rollback never depends on reaching Connect (a function without a route to it).
    world.connect.inject("*", Fault::internal(), 100);
    let delete = world.event_on("delete-failed-create", &failed.physical);
    let deleted = world.send(delete).await;
    assert_eq!(deleted.status, "SUCCESS");
    assert_eq!(deleted.physical, failed.physical);
    assert!(world.calls().is_empty(), "{:?}", world.calls());
}

#[tokio::test]
async fn a_missing_queue_is_named_with_its_instance_and_connects_words() {
    let world = World::start().await;
    let mut create = world.event("create");
    create["ResourceProperties"]["DefaultOutboundQueueId"] =
        json!("0b6c2f1e-0000-4a5b-8c7d-0000000000ff");
    let failed = world.send(create).await;
    assert_eq!(failed.status, "FAILED");
    let reason = &failed.reason;
    assert!(
        reason.starts_with(&format!(
            "Queue 0b6c2f1e-0000-4a5b-8c7d-0000000000ff was not found in instance {DEMO_INSTANCE_ID} (CreateRoutingProfile failed: ResourceNotFoundException: "
        )),
        "{reason}"
    );
    assert!(failed.physical.starts_with("failed-create-"));
    assert!(world.connect.profiles().is_empty());
}

#[tokio::test]
async fn delete_handles_gone_foreign_and_in_use_profiles() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let profile = created.profile();

    // Still assigned to agents: FAILED, saying so, and the profile stays.
    assert!(
        world
            .connect
            .set_users(&profile.instance_id, &profile.routing_profile_id, 3)
    );
    let delete = delete_from(&created);
    let refused = world.send(delete.clone()).await;
    assert_eq!(refused.status, "FAILED");
    assert!(
        refused.reason.contains("still assigned to users"),
        "{}",
        refused.reason
    );
    assert!(refused.reason.contains("ResourceInUseException"));
    assert_eq!(world.connect.profiles().len(), 1);

    world
        .connect
        .set_users(&profile.instance_id, &profile.routing_profile_id, 0);
    assert_eq!(world.send(delete.clone()).await.status, "SUCCESS");
    assert!(world.connect.profiles().is_empty());

    // Already gone: SUCCESS.
    assert_eq!(world.send(delete).await.status, "SUCCESS");

    // Not a routing profile ARN at all: SUCCESS without writing (a failed Create's id is looked up
    // by Name first, read again within the window, and this one made nothing).
    world.connect.clear_calls();
    for id in [
        "2026/11/24/[$LATEST]0123456789abcdef",
        "failed-create-x",
        "arn:aws:connect:us-east-1:1:instance/i/queue/q",
    ] {
        let deleted = world.send(world.event_on("delete", id)).await;
        assert_eq!(deleted.status, "SUCCESS");
        assert_eq!(deleted.physical, id);
    }
    assert!(
        world.only_read("ListRoutingProfiles"),
        "{:?}",
        world.calls()
    );
}

#[tokio::test]
async fn the_delete_uses_the_physical_id_not_the_properties() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let mut delete = delete_from(&created);
    delete["ResourceProperties"] =
        json!({ "InstanceId": "not even valid", "QueueConfigs": "nonsense" });
    assert_eq!(world.send(delete).await.status, "SUCCESS");
    assert!(world.connect.profiles().is_empty());
}

#[tokio::test]
async fn an_update_with_invalid_properties_fails_without_touching_the_profile() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let mut update = world.event_on("update", &created.physical);
    update["ResourceProperties"]["MediaConcurrencies"][0]["Concurrency"] = json!("2");
    world.connect.clear_calls();
    let failed = world.send(update).await;
    assert_eq!(failed.status, "FAILED");
    assert_eq!(failed.physical, created.physical);
    assert!(
        failed
            .reason
            .contains("MediaConcurrencies[0].Concurrency: \"2\" must be exactly 1")
    );
    assert!(world.calls().is_empty());
    assert_eq!(
        world.live(&created.physical).await,
        expected(&created.request, &created.request)
    );
}

#[tokio::test]
async fn a_profile_deleted_outside_cloudformation_is_made_again_on_update() {
    let world = World::start().await;
    let created = world.send(world.event("create")).await;
    let profile = created.profile();
    world
        .client
        .client()
        .delete_routing_profile()
        .instance_id(&profile.instance_id)
        .routing_profile_id(&profile.routing_profile_id)
        .send()
        .await
        .expect("console delete");
    let update = world.event_on("update", &created.physical);
    let updated = world.send(update.clone()).await;
    assert_eq!(updated.status, "SUCCESS", "{updated}");
    assert_ne!(updated.physical, created.physical);
    assert_eq!(
        world.live(&updated.physical).await,
        expected(&update, &update)
    );
}

#[tokio::test]
async fn numbers_may_be_real_numbers_and_tags_a_map() {
    let world = World::start().await;
    let mut create = world.event("create");
    let props = &mut create["ResourceProperties"];
    props["QueueConfigs"][0]["Priority"] = json!(4);
    props["QueueConfigs"][0]["Delay"] = json!(15);
    props["MediaConcurrencies"][1]["Concurrency"] = json!(5);
    props["Tags"] = json!({ "team": "support" });
    let created = world.send(create.clone()).await;
    assert_eq!(created.status, "SUCCESS", "{created}");
    let live = world.live(&created.physical).await;
    assert_eq!(live, expected(&create, &create));
    assert_eq!(live.tags.get("team").map(String::as_str), Some("support"));
}

/// On the raw PUT as it arrived, not on the parsed answer.
#[tokio::test]
async fn the_answer_is_put_exactly_as_cloudformation_requires() {
    let world = World::start().await;
    world.send(world.event("create")).await;
    let put = world.last_put();
    assert_eq!(put.method, "PUT");
    assert_eq!(
        put.target, RESPONSE_TARGET,
        "the URL is used exactly as given"
    );
    let content_type = put.header("content-type").unwrap_or("");
    assert!(content_type.is_empty(), "no Content-Type: {content_type:?}");
    assert_eq!(
        put.header("content-length"),
        Some(put.body.len().to_string().as_str())
    );
    assert_eq!(put.header("transfer-encoding"), None, "not chunked");
    let body = put.json();
    for field in [
        "Status",
        "PhysicalResourceId",
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "Data",
    ] {
        assert!(body.get(field).is_some(), "{field} in {body}");
    }
}

#[tokio::test]
async fn a_reason_too_long_for_cloudformation_is_cut_to_fit() {
    let world = World::start().await;
    let mut create = world.event("create");
    let bad: Vec<Value> = (0..300)
        .map(|i| json!({ "QueueReference": { "QueueId": format!("q-{i}"), "Channel": "FAXÉ" }, "Priority": "1" }))
        .collect();
    create["ResourceProperties"]["QueueConfigs"] = Value::Array(bad);
    let failed = world.send(create).await;
    let put = world.last_put();
    assert!(put.body.len() <= 4096, "{} bytes", put.body.len());
    assert!(
        put.body.len() > 3900,
        "cut no more than needed: {}",
        put.body.len()
    );
    assert_eq!(failed.status, "FAILED");
    assert!(failed.reason.ends_with('…'));
    assert!(
        failed
            .reason
            .starts_with("Invalid properties: QueueConfigs[0].QueueReference.Channel")
    );
}

#[tokio::test]
async fn a_second_delivery_of_a_create_resumes_its_own_profile() {
    let world = World::start().await;
    let create = world.event("create");
    let first = world.send(create.clone()).await;
    let second = world.send(create).await;
    assert_eq!(second.status, "SUCCESS", "{second}");
    assert_eq!(second.physical, first.physical);
    assert_eq!(world.connect.profiles().len(), 1, "no second profile");
}

#[tokio::test]
async fn a_name_taken_by_someone_else_fails_and_its_delete_leaves_that_profile_alone() {
    let world = World::start().await;
    // A profile of the same name made by another stack (another owner marker).
    let mut theirs = world.event("create");
    theirs["StackId"] = json!("arn:aws:cloudformation:us-east-1:123456789012:stack/other/1");
    let theirs = world.send(theirs).await.physical;

    let ours = world.send(world.event("create")).await;
    assert_eq!(ours.status, "FAILED");
    assert!(
        ours.reason.contains("already exists")
            && ours.reason.contains("the marker of another resource: stack arn:aws:cloudformation:us-east-1:123456789012:stack/other/1"),
        "{}",
        ours.reason
    );
    assert!(
        ours.physical.starts_with("failed-create-"),
        "{}",
        ours.physical
    );

    let delete = world.event_on("delete", &ours.physical);
    assert_eq!(world.send(delete).await.status, "SUCCESS");
    assert_eq!(world.profile_arns(), [theirs]);
}

#[tokio::test]
async fn the_lifecycle_events_run_in_order() {
    let world = World::start().await;
    let mut physical = world.send(world.event("create")).await.physical;
    for name in ["update", "update-rollback", "update", "delete"] {
        let answer = world.send(world.event_on(name, &physical)).await;
        assert_eq!(answer.status, "SUCCESS", "{name}: {answer}");
        physical = answer.physical;
    }
    assert!(world.connect.profiles().is_empty());
}

#[tokio::test]
async fn an_instance_of_another_region_or_account_fails_before_any_call_naming_both() {
    let world = World::start().await;
    let mut create = world.event("create");
    let instance = create["ResourceProperties"]["InstanceId"]
        .as_str()
        .unwrap_or_default()
        .replace(":us-east-1:", ":eu-west-1:");
    assert!(instance.contains(":eu-west-1:"), "{instance}");
    create["ResourceProperties"]["InstanceId"] = json!(instance);
    let failed = world.send(create).await;
    assert_eq!(failed.status, "FAILED");
    assert_eq!(
        failed.reason,
        format!(
            "Invalid properties: InstanceId: {instance:?} is in Region eu-west-1, but this function manages Amazon Connect in Region us-east-1 only: use an instance of its own Region and account, or deploy the function where the instance is"
        )
    );
    assert!(world.calls().is_empty(), "{:?}", world.calls());

    let created = world.send(world.event("create")).await;
    let mut update = world.event_on("update", &created.physical);
    let props = &update["ResourceProperties"];
    let queue = format!(
        "arn:aws:connect:us-east-1:999999999999:instance/{}/queue/{}",
        props["InstanceId"].as_str().unwrap_or_default(),
        props["DefaultOutboundQueueId"].as_str().unwrap_or_default()
    );
    update["ResourceProperties"]["DefaultOutboundQueueId"] = json!(queue);
    world.connect.clear_calls();
    let failed = world.send(update).await;
    assert_eq!(failed.physical, created.physical);
    assert!(
        failed.reason.starts_with(&format!(
            "Invalid properties: DefaultOutboundQueueId: {queue:?} is in account 999999999999, but this function manages Amazon Connect in account 123456789012 only"
        )),
        "{}",
        failed.reason
    );
    assert!(world.calls().is_empty(), "{:?}", world.calls());
}
