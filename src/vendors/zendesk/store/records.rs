//! The records of the declared resources, by resource and id: plain JSON objects
//! the store keeps and the resource declarations above it read and write.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A stored record: the resource's wire object without its `url`.
pub type Record = Map<String, Value>;

/// The records of every declared resource, by resource and id, plus the
/// account's settings and pending uploads.
#[derive(Debug, Clone, Default)]
pub struct Records {
    tables: BTreeMap<&'static str, BTreeMap<u64, Record>>,
    /// The account settings (`GET /api/v2/account/settings`).
    pub account_settings: Value,
    /// Uploads by token, and their files.
    pub uploads: super::uploads::Uploads,
}

impl Records {
    /// The records of `plural`, by id.
    pub fn table(&self, plural: &str) -> Option<&BTreeMap<u64, Record>> {
        self.tables.get(plural)
    }

    /// One record.
    pub fn get(&self, plural: &str, id: u64) -> Option<&Record> {
        self.tables.get(plural)?.get(&id)
    }

    /// Every record of `plural`, in id order.
    pub fn all<'a>(&'a self, plural: &str) -> impl Iterator<Item = &'a Record> + 'a {
        self.tables.get(plural).into_iter().flat_map(|t| t.values())
    }

    /// Stores a record under its id.
    pub fn put(&mut self, plural: &'static str, id: u64, record: Record) {
        self.tables.entry(plural).or_default().insert(id, record);
    }

    /// Removes a record.
    pub fn remove(&mut self, plural: &str, id: u64) -> Option<Record> {
        self.tables.get_mut(plural)?.remove(&id)
    }

    /// Removes every record of `plural` for which `drop` holds.
    pub fn remove_where(&mut self, plural: &str, drop: impl Fn(&Record) -> bool) {
        if let Some(t) = self.tables.get_mut(plural) {
            t.retain(|_, r| !drop(r));
        }
    }

    /// Removes every record of `plural` for which `drop` holds and returns them, in
    /// id order (for deletes that cascade to what they held).
    pub fn take_where(&mut self, plural: &str, drop: impl Fn(&Record) -> bool) -> Vec<Record> {
        let Some(t) = self.tables.get_mut(plural) else {
            return Vec::new();
        };
        let ids: Vec<u64> = t
            .iter()
            .filter(|(_, r)| drop(r))
            .map(|(id, _)| *id)
            .collect();
        ids.iter().filter_map(|id| t.remove(id)).collect()
    }

    /// The records of `plural` as the control API's state shows them.
    pub fn state(&self) -> Value {
        Value::Object(
            self.tables
                .iter()
                .map(|(k, t)| {
                    (
                        (*k).to_owned(),
                        Value::Array(t.values().cloned().map(Value::Object).collect()),
                    )
                })
                .collect(),
        )
    }
}
