//! Fake Take Blip's Desk beyond tickets, over real sockets: attendants, teams,
//! rules, queues, canned replies (contract and errors), and the monitoring and
//! report figures, which must agree with the tickets the fake holds.
//! Expected shapes come from REFERENCE extensions § 2 ([DOC] desk.md).

use serde_json::{Value, json};

use crate::blip::{Blip, blip, platform};

const DESK: &str = "postmaster@desk.msging.net";
const ANA: &str = "ana%40example.com@blip.ai";

impl Blip {
    /// A command; the response envelope.
    pub(crate) async fn cmd(
        &self,
        to: Option<&str>,
        method: &str,
        uri: &str,
        typed: Option<(&str, Value)>,
    ) -> Value {
        let mut c = json!({"id": "c1", "method": method, "uri": uri});
        if let Some(t) = to {
            c["to"] = json!(t);
        }
        if let Some((t, r)) = typed {
            c["type"] = json!(t);
            c["resource"] = r;
        }
        let (status, body) = self.send("/commands", &c).await;
        assert_eq!(status, 200, "{c} -> {body}");
        body
    }

    pub(crate) async fn desk(
        &self,
        method: &str,
        uri: &str,
        typed: Option<(&str, Value)>,
    ) -> Value {
        self.cmd(Some(DESK), method, uri, typed).await
    }
}

fn ok(r: &Value) -> &Value {
    assert_eq!(r["status"], "success", "{r}");
    &r["resource"]
}

fn code(r: &Value) -> i64 {
    assert_eq!(r["status"], "failure", "{r}");
    r["reason"]["code"].as_i64().unwrap()
}

#[tokio::test]
async fn attendants_and_teams_are_stored_listed_and_deleted() {
    let b = blip(None, |_| {}).await;
    let list = b.desk("get", "/attendants", None).await;
    assert_eq!(list["type"], "application/vnd.lime.collection+json");
    let r = ok(&list);
    assert_eq!(r["itemType"], "application/vnd.iris.desk.attendant+json");
    assert_eq!(r["total"], 1);
    // [3P] capture: status is a string, isEnabled true, fullName camel-cased.
    assert_eq!(r["items"][0]["identity"], ANA);
    assert_eq!(r["items"][0]["status"], "Online");
    assert_eq!(r["items"][0]["isEnabled"], true);
    let att = "application/vnd.iris.desk.attendant+json";
    let set = b
        .desk("set", "/attendants", Some((att, json!({"identity": "john%40email.net@blip.ai", "teams": ["Sales"], "fullname": "John"}))))
        .await;
    assert!(ok(&set).is_null(), "a plain set answers no resource: {set}");
    let r = b
        .desk("get", "/attendants?$skip=0&$take=20&$ascending=true", None)
        .await;
    let items = ok(&r)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let john = items.iter().find(|i| i["fullName"] == "John").unwrap();
    assert_eq!(john["teams"], json!(["Sales"]));
    let teams = b.desk("get", "/teams", None).await;
    assert_eq!(
        ok(&teams)["itemType"],
        "application/vnd.iris.desk.team+json"
    );
    assert_eq!(
        ok(&teams)["items"],
        json!([{"name": "Default", "agentsOnline": 1}, {"name": "Sales", "agentsOnline": 0}])
    );
    let online = b.desk("get", "/teams/agents-online", None).await;
    assert_eq!(
        ok(&online)["items"],
        json!([{"name": "Default", "agentsOnline": 1}])
    );
    // [DOC] desk.md "Delete an agent": the identity's `%` is encoded again.
    let del = b
        .desk("delete", "/attendants/john%2540email.net@blip.ai", None)
        .await;
    ok(&del);
    assert_eq!(ok(&b.desk("get", "/attendants", None).await)["total"], 1);
    assert_eq!(
        code(
            &b.desk("delete", "/attendants/john%2540email.net@blip.ai", None)
                .await
        ),
        67
    );
    let no_team = b
        .desk(
            "set",
            "/attendants",
            Some((att, json!({"identity": "x%40y.z@blip.ai"}))),
        )
        .await;
    assert_eq!(code(&no_team), 64);
    assert_eq!(
        code(&b.desk("merge", "/attendants", Some((att, json!({})))).await),
        63
    );
    // Without `to`, the bot's own postmaster knows no Desk resource.
    assert_eq!(code(&b.cmd(None, "get", "/attendants", None).await), 62);
    assert_eq!(code(&b.desk("get", "/no-such-thing", None).await), 62);
}

#[tokio::test]
async fn rules_queues_and_replies_keep_what_was_set() {
    let b = blip(None, |_| {}).await;
    let rule = json!({"id": "r1", "title": "City Rule", "team": "Belo Horizonte",
        "conditions": [{"property": "Contact.Extras.Cidade", "relation": "Equals", "values": ["BH"]}],
        "operator": "Or", "isActive": true});
    ok(&b
        .desk(
            "set",
            "/rules",
            Some(("application/vnd.iris.desk.rule+json", rule.clone())),
        )
        .await);
    let got = b.desk("get", "/rules/r1", None).await;
    assert_eq!(got["type"], "application/vnd.iris.desk.rule+json");
    assert_eq!(ok(&got)["ownerIdentity"], "fakedeskbot@msging.net");
    assert_eq!(ok(&got)["conditions"], rule["conditions"]);
    assert_eq!(
        ok(&b.desk("get", "/rules?skip=0&take=10", None).await)["total"],
        1
    );
    let teams = b.desk("get", "/teams", None).await;
    assert!(
        ok(&teams)["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Belo Horizonte")
    );
    let prio = json!({"id": "p1", "title": "VIP", "queueId": "queuename", "urgency": 1000});
    ok(&b
        .desk(
            "set",
            "/priority-rules",
            Some(("application/vnd.iris.desk.priority-rules+json", prio)),
        )
        .await);
    let got = b.desk("get", "/priority-rules/p1", None).await;
    assert_eq!(
        (got["type"].as_str(), ok(&got)["urgency"].as_u64()),
        (Some("application/vnd.iris.desk.rule+json"), Some(1000))
    );
    ok(&b.desk("delete", "/priority-rules/p1", None).await);
    assert_eq!(code(&b.desk("get", "/priority-rules/p1", None).await), 67);
    ok(&b.desk("delete", "/rules/r1", None).await);
    assert_eq!(code(&b.desk("get", "/rules/r1", None).await), 67);
    assert_eq!(
        code(
            &b.desk(
                "set",
                "/rules",
                Some(("application/vnd.iris.desk.rule+json", json!({"title": "x"})))
            )
            .await
        ),
        64
    );

    // [DOC] the Postman body sends Priority "0"; the answer is the stored queue.
    let q = b
        .desk("set", "/attendance-queues", Some(("application/vnd.iris.desk.attendancequeue+json",
            json!({"ownerIdentity": "fakedeskbot@msging.net", "name": "Queue name", "isActive": true, "Priority": "0"}))))
        .await;
    assert_eq!(q["type"], "application/vnd.iris.desk.attendancequeue+json");
    assert_eq!(ok(&q)["id"], "queuename");
    assert_eq!(ok(&q)["Priority"], 0);
    assert_eq!(
        ok(&b.desk("get", "/attendance-queues/queuename", None).await)["name"],
        "Queue name"
    );
    ok(&b.desk("delete", "/attendance-queues/queuename", None).await);
    assert_eq!(
        code(&b.desk("get", "/attendance-queues/queuename", None).await),
        67
    );

    let reply = json!({"category": "Greetings", "document": "Some text", "id": "x1",
        "isDynamicContent": false, "name": "Hi friend", "type": "text/plain"});
    let coll = json!({"itemType": "application/vnd.iris.desk.custom-reply+json", "items": [reply.clone()]});
    ok(&b
        .desk(
            "set",
            "/replies/9e4a",
            Some(("application/vnd.lime.collection+json", coll)),
        )
        .await);
    let cats = b.desk("get", "/replies", None).await;
    assert_eq!(
        ok(&cats)["items"],
        json!([{"id": "9e4a", "category": "Greetings", "isDynamicContent": false}])
    );
    assert_eq!(
        ok(&b.desk("get", "/replies/9e4a", None).await)["items"],
        json!([reply])
    );
    ok(&b.desk("delete", "/replies/9e4a", None).await);
    assert_eq!(code(&b.desk("get", "/replies/9e4a", None).await), 67);

    let mail = json!({"email": "x@y.com", "filter": ""});
    ok(&b
        .desk(
            "set",
            "/attendance-history/send-by-email",
            Some(("application/json", mail)),
        )
        .await);
    let state = b.state().await;
    assert_eq!(
        state["extensions"]["attendance_history_requests"][0]["email"],
        "x@y.com"
    );
}

async fn handoff(b: &Blip, customer: &str) -> String {
    let (s, h) = b
        .action("handoff", json!({"customer": customer, "text": "help"}))
        .await;
    assert_eq!(s, 200, "{h}");
    h["ticket"]["id"]
        .as_str()
        .or(h["ticket"].as_str())
        .unwrap()
        .to_owned()
}

async fn status(b: &Blip, id: &str, to: &str) {
    let r = json!({"id": id, "status": to, "agentIdentity": ANA});
    ok(&b
        .desk(
            "set",
            "/tickets/change-status",
            Some(("application/vnd.iris.ticket+json", r)),
        )
        .await);
}

#[tokio::test]
async fn monitoring_and_reports_count_the_tickets_the_fake_holds() {
    let p = platform().await;
    let b = blip(Some(&p), |_| {}).await;
    let _waiting = handoff(&b, "1@wa.gw.msging.net").await;
    let open = handoff(&b, "2@wa.gw.msging.net").await;
    let closed = handoff(&b, "3@wa.gw.msging.net").await;
    status(&b, &open, "Open").await;
    status(&b, &closed, "Open").await;
    status(&b, &closed, "ClosedAttendant").await;
    let tags = json!({"tags": ["billing"]});
    ok(&b
        .desk(
            "set",
            &format!("/tickets/{open}/change-tags"),
            Some(("application/vnd.iris.ticket+json", tags)),
        )
        .await);

    let counters = b.desk("get", "/monitoring/tickets", None).await;
    let c = ok(&counters);
    assert_eq!(
        (
            c["waiting"].as_u64(),
            c["open"].as_u64(),
            c["closed"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    let state = b.state().await;
    assert_eq!(state["tickets"].as_object().unwrap().len(), 3);

    let att = b
        .desk("get", "/monitoring/attendants?version=2", None)
        .await;
    assert_eq!(
        ok(&att)["itemType"],
        "application/vnd.iris.desk.attendantticketssummary+json"
    );
    let ana = &ok(&att)["items"][0];
    assert_eq!(
        (
            ana["identity"].as_str(),
            ana["openedTickets"].as_u64(),
            ana["closedTickets"].as_u64()
        ),
        (Some(ANA), Some(1), Some(1))
    );
    // [DOC] durations are TimeSpan strings.
    assert!(
        ana["averageAttendanceTime"]
            .as_str()
            .unwrap()
            .starts_with("00:00:")
    );

    let teams = b.desk("get", "/monitoring/teams", None).await;
    let d = &ok(&teams)["items"][0];
    assert_eq!(d["name"], "Default");
    assert_eq!(
        (
            d["waitingTickets"].as_u64(),
            d["openedTickets"].as_u64(),
            d["closedTickets"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );

    let per_hour = b.desk("get", "/monitoring/tickets-per-hour", None).await;
    let sum: u64 = ok(&per_hour)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ticketByHour"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 3);
    let metrics = b.desk("get", "/monitoring/ticket-metrics", None).await;
    assert_eq!(
        metrics["type"],
        "application/vnd.iris.desk.tickets-metrics-summary+json"
    );
    assert_eq!(ok(&metrics)["ticketsPerAttendant"], 2.0);

    let report = b.desk("get", "/analytics/reports/tickets", None).await;
    let days = ok(&report)["items"].as_array().unwrap().clone();
    assert_eq!(days.len(), 1);
    for k in [
        "waiting",
        "open",
        "closed",
        "closedAttendant",
        "transferred",
    ] {
        assert_eq!(days[0][k], c[k], "{k}");
    }
    // [DOC] report days start at local midnight of UTC-3.
    assert!(
        days[0]["date"]
            .as_str()
            .unwrap()
            .ends_with("T03:00:00.000Z")
    );
    let rep_att = b.desk("get", "/analytics/reports/attendants", None).await;
    assert_eq!(ok(&rep_att)["items"][0]["openedTickets"], 1);
    let active = b.desk("get", "/tags/active", None).await;
    assert_eq!(
        ok(&active)["items"],
        json!([{"name": "billing", "closedTickets": 0, "ticketsCount": 1}])
    );
    let bad = b
        .desk(
            "get",
            "/analytics/reports/tickets?beginDate=2019-13-45",
            None,
        )
        .await;
    assert_eq!(code(&bad), 64);
    let range = b
        .desk(
            "get",
            "/analytics/reports/tickets?beginDate=2019-04-15&endDate=2019-04-17",
            None,
        )
        .await;
    assert_eq!(ok(&range)["total"], 3);
    assert_eq!(ok(&range)["items"][0]["date"], "2019-04-15T03:00:00.000Z");
    // [SDK] HelpDeskExtension's filter for a customer's active ticket.
    let f = "customerIdentity%20eq%20'2%40wa.gw.msging.net'%20and%20(status%20eq%20'Open'%20or%20status%20eq%20'Waiting')";
    let active = b.desk("get", &format!("/tickets?$filter={f}"), None).await;
    assert_eq!(ok(&active)["items"].as_array().unwrap().len(), 1);
    assert_eq!(ok(&active)["items"][0]["id"], open.as_str());
    assert_eq!(
        code(
            &b.desk("get", "/tickets?$filter=status%20like%20'x'", None)
                .await
        ),
        64
    );
}
