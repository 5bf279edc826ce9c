//! The registry: every vendor fakedesk serves. It sits above the vendors (it names
//! each one) and below what reaches every vendor through it: the config, the
//! server, scenarios, fuzzing and the proxy. The types it lists
//! ([`Registration`]) are the vendors' core (`crate::vendors`), which names none.

use crate::vendors::{self, Registration};

/// Every vendor fakedesk serves, in the order they are listed.
pub const REGISTRY: &[Registration] = &[
    vendors::zendesk::REGISTRATION,
    vendors::braze::REGISTRATION,
    vendors::freshchat::REGISTRATION,
    vendors::mammut::REGISTRATION,
    vendors::smartsupp::REGISTRATION,
    vendors::blip::REGISTRATION,
    vendors::ferndesk::REGISTRATION,
];

/// The registration of the vendor called `name`.
pub fn find(name: &str) -> Option<&'static Registration> {
    REGISTRY.iter().find(|r| r.name == name)
}

/// The names of every registered vendor, for hints.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|r| r.name).collect()
}

/// Every action as `vendor.action`, in registry order.
pub fn action_names() -> Vec<String> {
    REGISTRY
        .iter()
        .flat_map(|r| {
            r.actions
                .iter()
                .map(move |a| format!("{}.{}", r.name, a.name))
        })
        .collect()
}
