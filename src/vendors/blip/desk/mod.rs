//! The Desk extension's commands besides tickets (REFERENCE extensions 2):
//! attendants and teams, rules, queues and canned replies, and the monitoring
//! and report figures, computed from the tickets the fake holds.

pub mod agents;
pub mod metrics;
pub mod monitoring;
pub mod reports;
pub mod setup;

/// `application/vnd.iris.desk.attendant+json`.
pub const ATTENDANT_TYPE: &str = "application/vnd.iris.desk.attendant+json";
/// `application/vnd.iris.desk.team+json`.
pub const TEAM_TYPE: &str = "application/vnd.iris.desk.team+json";
/// `application/vnd.iris.desk.rule+json`.
pub const RULE_TYPE: &str = "application/vnd.iris.desk.rule+json";
/// `application/vnd.iris.desk.attendancequeue+json`.
pub const QUEUE_TYPE: &str = "application/vnd.iris.desk.attendancequeue+json";
/// `application/vnd.iris.desk.custom-reply+json`.
pub const REPLY_TYPE: &str = "application/vnd.iris.desk.custom-reply+json";
