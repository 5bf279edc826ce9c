//! Zendesk's JSON, field for field (REFERENCE 1.4, 1.5): the objects the fake
//! returns and the request bodies it accepts.
//!
//! Request bodies are read from `serde_json::Value` by hand rather than derived, so
//! that every problem is reported the way Zendesk reports it: a 422 `RecordInvalid`
//! naming the field, never a generic deserialization error (`fields`). The stored
//! objects are in `ticket` and `user`, the request bodies in `input` and `parts`.

mod fields;
mod html;
mod import;
mod input;
mod parts;
mod ticket;
mod user;
mod values;

pub use self::html::{render_html, strip_tags};
pub use self::import::{ImportedComment, TicketImport};
pub use self::input::{TicketInput, UserInput, api_warning};
pub use self::parts::{CommentInput, CustomField, RequesterInput, UnknownFields};
pub use self::ticket::{Audit, Comment, RenderedReply, Ticket, TicketOut, TicketState, Via};
pub use self::user::{Secrets, User, UserOut};
pub use self::values::{Priority, Role, Status, TicketType, looks_like_email, opt_ts, ts};
pub use super::error::{CONTENT_TYPE_JSON, json_response};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::zendesk::error::ZendeskError;
    use serde_json::json;

    #[test]
    fn parses_the_reference_create_body() {
        let v = json!({"subject": "My printer is on fire!", "comment": {"body": "The smoke is very colorful."}, "priority": "urgent", "requester": {"name": "The Customer", "email": "thecustomer@domain.com"}});
        let t = TicketInput::parse(&v, UnknownFields::Reject).unwrap();
        assert_eq!(t.subject.as_deref(), Some("My printer is on fire!"));
        assert_eq!(t.priority, Some(Some(Priority::Urgent)));
        assert_eq!(
            t.requester.unwrap().email.as_deref(),
            Some("thecustomer@domain.com")
        );
        assert_eq!(
            t.comment.unwrap().text().as_deref(),
            Some("The smoke is very colorful.")
        );
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let v = json!({"status": "bogus", "priority": 3, "assignee_id": "abc", "colour": "red"});
        let Err(ZendeskError::RecordInvalid(details)) =
            TicketInput::parse(&v, UnknownFields::Reject)
        else {
            panic!("expected RecordInvalid");
        };
        let keys: Vec<&str> = details.keys().map(String::as_str).collect();
        assert_eq!(keys, ["assignee_id", "colour", "priority", "status"]);
        assert_eq!(
            details["status"][0].description,
            "Status: \"bogus\" is not a valid value"
        );
    }

    #[test]
    fn read_only_keys_are_ignored_and_unknown_keys_follow_the_policy() {
        let v = json!({"id": 5, "url": "x", "colour": "red", "subject": "s"});
        assert!(TicketInput::parse(&v, UnknownFields::Reject).is_err());
        let t = TicketInput::parse(&v, UnknownFields::Warn).unwrap();
        assert_eq!(t.ignored, ["colour", "id", "url"]);
        let v = json!({"id": 5, "subject": "s"});
        assert_eq!(
            TicketInput::parse(&v, UnknownFields::Reject)
                .unwrap()
                .ignored,
            ["id"]
        );
    }

    #[test]
    fn tags_are_split_lowercased_and_deduplicated() {
        let t = TicketInput::parse(
            &json!({"tags": ["VIP", "a b", "vip"]}),
            UnknownFields::Reject,
        )
        .unwrap();
        assert_eq!(t.tags.unwrap(), ["vip", "a", "b"]);
    }

    #[test]
    fn comment_html_matches_the_captured_rendering() {
        let c = CommentInput {
            body: Some("test".to_owned()),
            ..CommentInput::default()
        };
        // From the zenpy capture of POST /api/v2/tickets.json (REFERENCE 1.5).
        assert_eq!(
            c.html(),
            "<div class=\"zd-comment\" dir=\"auto\"><p dir=\"auto\">test</p></div>"
        );
    }

    #[test]
    fn warning_header_matches_the_capture_format() {
        let w = api_warning("tickets", "update", "ticket", &["id".to_owned()]).unwrap();
        assert_eq!(
            w,
            "{:allowed_parameters=>{:controller=>\"tickets\", :action=>\"update\", :unpermitted_keys=>[\"ticket.id\"], :invalid_values=>[]}}"
        );
    }
}
