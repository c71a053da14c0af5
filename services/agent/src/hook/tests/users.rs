//! Running a hook as another user.

use super::*;

#[tokio::test]
async fn unknown_runas_user_is_refused_before_anything_runs() {
    let bundle = Bundle::new();
    let script = bundle.script("ok.sh", "#!/bin/sh\ntouch ran\n");
    for user in [
        "liftoff-no-such-user",
        "nobody; touch /tmp/pwned",
        "",
        "root\0",
    ] {
        let mut inv = bundle.invocation(script.clone());
        inv.runas = Some(user.to_owned());

        let outcome = run_hook(&inv).await;

        assert_eq!(outcome.status, HookStatus::Failed);
        assert_eq!(
            outcome.error_code,
            Some(error_code::RUNAS_INVALID),
            "{user:?}: {outcome:?}"
        );
        assert!(outcome.message.is_some());
    }
    assert!(
        !bundle.path("ran").exists(),
        "nothing may run for an invalid runas"
    );
    assert!(
        !bundle.path("hook.log").exists(),
        "nothing may be started for an invalid runas"
    );
}

#[test]
fn only_root_switches_to_another_user() {
    let root = Uid::from_raw(0);
    let app = Uid::from_raw(1000);
    let other = Uid::from_raw(1001);
    assert_eq!(user_switch(root, app), UserSwitch::Switch);
    assert_eq!(user_switch(root, root), UserSwitch::Stay);
    assert_eq!(user_switch(app, app), UserSwitch::Stay);
    assert_eq!(user_switch(app, other), UserSwitch::Forbidden);
    assert_eq!(user_switch(app, root), UserSwitch::Forbidden);
}

#[test]
fn non_root_agent_refuses_runas_of_another_user() {
    let refusal = resolve_identity_blocking(Some("root"), Uid::from_raw(4242))
        .expect_err("a non-root agent cannot become root");
    assert_eq!(refusal.code, error_code::RUNAS_INVALID);
    assert!(
        refusal.message.contains("only an agent running as root"),
        "{}",
        refusal.message
    );
}

#[tokio::test]
async fn runas_as_the_agents_own_user_runs_normally() {
    let bundle = Bundle::new();
    let script = bundle.script("whoami.sh", "#!/bin/sh\nid -u\n");
    let me = User::from_uid(geteuid()).unwrap().unwrap();
    let mut inv = bundle.invocation(script);
    inv.runas = Some(me.name.clone());

    let outcome = run_hook(&inv).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    assert_eq!(outcome.output_tail, format!("{}\n", me.uid));
}

#[tokio::test]
async fn runas_switches_user_and_drops_supplementary_groups() {
    let Ok(Some(nobody)) = User::from_name("nobody") else {
        eprintln!("skipped: no user named nobody");
        return;
    };
    if !geteuid().is_root() {
        eprintln!("skipped: switching users needs root");
        return;
    }
    let bundle = Bundle::new();
    let script = bundle.script(
        "whoami.sh",
        "#!/bin/sh\necho \"uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME user=$USER logname=$LOGNAME\"\n",
    );
    let mut inv = bundle.invocation(script);
    inv.runas = Some("nobody".to_owned());

    let outcome = run_hook(&inv).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    assert_eq!(
        outcome.output_tail,
        format!(
            "uid={uid} gid={gid} groups={gid} home={home} user=nobody logname=nobody\n",
            uid = nobody.uid,
            gid = nobody.gid,
            home = nobody.dir.display()
        )
    );
}
