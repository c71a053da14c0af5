//! A large fleet's live page: counts by zone and state, and a zone's hosts a page at a time.

use super::*;

/// What the live page of a large fleet reads: the deployment's counts by zone and state
/// (`zones`, in `GET /v1/deployments/{id}` and in a stream without hosts), and one zone's hosts
/// a page at a time from `GET /v1/deployments/{id}/hosts`, with bad input refused and another
/// team's deployment not there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_fleet_is_watched_by_zone_counts_and_read_a_page_of_hosts_at_a_time() {
    const FLEET: usize = 60;
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let mut opts = AgentOptions::new(&p.url, &token, "zone-a", &p.dir.path().join("fleet"))
        .tag(WEB.0, WEB.1)
        .arg("--simulate")
        .arg(FLEET.to_string());
    opts.zones = vec!["zone-a".into(), "zone-b".into(), "zone-c".into()];
    let fleet = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, FLEET, Duration::from_secs(120)).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let v1 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new("AfterInstall", "echo done")),
    )
    .await
    .unwrap();
    let d = start_deployment(&p, "shop", "web", &v1).await.unwrap();
    let done = wait_deployment(&p, d.deployment_id, Duration::from_secs(180)).await;
    assert_eq!(
        done.status,
        DeploymentStatus::Succeeded,
        "{:#?}",
        done.error
    );
    let id = d.deployment_id;

    // Counts by zone, zones by name.
    let zones: Vec<(String, u64)> = done
        .zones
        .iter()
        .map(|z| (z.zone.clone(), z.hosts.succeeded))
        .collect();
    assert_eq!(
        zones,
        [
            ("zone-a".into(), 20),
            ("zone-b".into(), 20),
            ("zone-c".into(), 20)
        ]
    );

    // One zone, seven hosts at a time, by host id, each with its lifecycle events.
    let api = p.api();
    let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let mut q = vec![("zone", "zone-b"), ("limit", "7")];
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let page = api.list_deployment_hosts(id, &q).await.unwrap();
        assert!(page.hosts.len() <= 7);
        assert!(
            page.hosts
                .iter()
                .all(|h| h.zone == "zone-b" && !h.events.is_empty())
        );
        seen.extend(page.hosts.iter().map(|h| h.host_id));
        pages += 1;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "in host id order, each once");
    assert_eq!(seen.len(), 20);
    // By state, and one host.
    let failed = api
        .list_deployment_hosts(id, &[("status", "Failed")])
        .await
        .unwrap();
    assert!(failed.hosts.is_empty());
    let one = seen[3].to_string();
    let only = api
        .list_deployment_hosts(id, &[("host_id", &one)])
        .await
        .unwrap();
    assert_eq!(only.hosts.len(), 1);
    assert_eq!(only.hosts[0].host_id, seen[3]);
    let all = api.list_deployment_hosts(id, &[]).await.unwrap();
    assert_eq!((all.hosts.len(), all.next_cursor), (FLEET, None));

    // Bad input is a 400 naming the parameter; another team's deployment is not there.
    let unknown_host = Uuid::now_v7().to_string();
    for q in [
        vec![("limit", "0")],
        vec![("limit", "1001")],
        vec![("cursor", "nope")],
        vec![("cursor", unknown_host.as_str())],
        vec![("status", "Sleeping")],
        vec![("page", "2")],
    ] {
        let err = api.list_deployment_hosts(id, &q).await.unwrap_err();
        assert_eq!(err.status(), Some(400), "{q:?}: {err}");
    }
    p.api()
        .create_team(&CreateTeam {
            name: "other".into(),
            description: None,
        })
        .await
        .unwrap();
    let other = p.team_token("other", Role::Admin);
    let res = p
        .http()
        .get(format!("{}/v1/deployments/{id}/hosts", p.url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);

    // The stream without hosts: the counts, and a size that does not grow with the fleet.
    let read_stream = |q: &'static str| {
        let rb = p
            .http()
            .get(format!("{}/v1/deployments/{id}/stream{q}", p.url))
            .bearer_auth(&p.admin_token);
        async move {
            let text = rb.send().await.unwrap().text().await.unwrap();
            let data = text
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap()
                .to_string();
            (data.len(), serde_json::from_str::<Value>(&data).unwrap())
        }
    };
    let (small, light) = read_stream("?events=false&hosts=false").await;
    let (big, _) = read_stream("?events=false").await;
    println!("stream event for {FLEET} hosts: {small} bytes without hosts, {big} with them");
    assert_eq!(light["hosts"], json!([]), "{light}");
    assert_eq!(light["zones"].as_array().unwrap().len(), 3, "{light}");
    assert!(
        small * 10 < big,
        "a stream without hosts ({small} bytes) should be far smaller than with them ({big})"
    );
    fleet.stop().await;
    p.stop().await;
}
