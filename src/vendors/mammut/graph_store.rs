//! The graph operations on Mammut's state: creating linked vertices, reading a
//! vertex with its relations to a depth, traversing edges, and updating
//! properties (resolving an issue teaches the bot). Plain data, no I/O.
//!
//! A vertex read shows its properties and `id`, then its relations: outgoing edges
//! as `{"<verb>": {"<type>": [...]}}` and incoming ones as `{"<verb>-by": ...}`
//! (\[DOC\] a thought's `"in": {"room": [...]}`, `"send-by": {"user": [...]}`);
//! related vertices are `{"id"}` at depth 1 and their properties at depth 2.
//! `with` traverses every edge, either way (a room's thoughts are `in` it).

use serde_json::{Map, Value, json};

use super::Knowledge;
use super::error::MammutError;
use super::graph::{Edge, Vertex};
use super::store::Store;

fn failed(m: String) -> MammutError {
    MammutError::Failed(m)
}

impl Store {
    /// The properties of vertex `kind:id`, if it exists.
    pub fn properties(&self, kind: &str, id: u64) -> Option<Map<String, Value>> {
        match kind {
            "user" => self
                .users
                .iter()
                .find(|u| u.id == id)
                .map(|u| u.properties.clone()),
            "issue" => self.thoughts.iter().find(|t| t.id == id).map(|t| {
                let mut p = Map::new();
                p.insert("issue-type".to_owned(), json!(t.thought_type));
                p.insert("issue-state".to_owned(), json!(t.issue_state));
                p.insert("machine-id".to_owned(), json!(t.bot_id));
                p.insert("custom-code".to_owned(), json!(t.conversation_id));
                p.insert("caused-by".to_owned(), json!(t.text));
                p.insert("creation-date".to_owned(), json!(t.creation_date));
                if let Some(r) = &t.resolution_text {
                    p.insert("resolution-text".to_owned(), json!(r));
                }
                p
            }),
            _ => self
                .vertices
                .iter()
                .find(|v| v.kind == kind && v.id == id)
                .map(|v| v.properties.clone()),
        }
    }

    fn flat(&self, kind: &str, id: u64, depth: u32) -> Value {
        let mut p = if depth >= 2 {
            self.properties(kind, id).unwrap_or_default()
        } else {
            Map::new()
        };
        p.insert("id".to_owned(), json!(id));
        Value::Object(p)
    }

    /// Vertex `kind:id` with its relations, to `depth` (1 or 2).
    pub fn view(&self, kind: &str, id: u64, depth: u32) -> Option<Value> {
        let mut v = self.properties(kind, id)?;
        v.insert("id".to_owned(), json!(id));
        for e in &self.edges {
            let (key, (k, i)) = if e.from == (kind.to_owned(), id) {
                (e.verb.clone(), &e.to)
            } else if e.to == (kind.to_owned(), id) {
                (format!("{}-by", e.verb), &e.from)
            } else {
                continue;
            };
            let slot = v.entry(key).or_insert_with(|| json!({}));
            let list = slot
                .as_object_mut()
                .map(|m| m.entry(k.clone()).or_insert_with(|| json!([])));
            if let Some(items) = list.and_then(Value::as_array_mut) {
                items.push(self.flat(k, *i, depth));
            }
        }
        Some(Value::Object(v))
    }

    fn link(&mut self, verb: &str, from: (String, u64), to: (String, u64)) -> u64 {
        let id = self.next_id();
        self.edges.push(Edge {
            id,
            verb: verb.to_owned(),
            from,
            to,
        });
        id
    }

    /// Creates a `kind` vertex from `body` (its `edge@type` members link to
    /// existing vertices), linked from `from` by `(verb, kind, id)` when given.
    /// The `TaskResult` elements: `(id, name, Vertex|Edge)`.
    pub fn create_vertex(
        &mut self,
        kind: &str,
        mut body: Map<String, Value>,
        from: Option<(&str, &str, u64)>,
    ) -> Result<Vec<(u64, String, &'static str)>, MammutError> {
        let links = super::graph::links(&body)?;
        let targets = links
            .iter()
            .map(|(_, k, i)| (k.as_str(), *i))
            .chain(from.map(|(_, k, i)| (k, i)));
        for (k, i) in targets {
            if self.properties(k, i).is_none() {
                return Err(failed(format!("{k}:{i} does not exist")));
            }
        }
        body.retain(|k, _| !k.contains('@'));
        let id = self.next_id();
        self.vertices.push(Vertex {
            id,
            kind: kind.to_owned(),
            properties: body,
        });
        let mut out = vec![(id, kind.to_owned(), "Vertex")];
        if let Some((verb, k, i)) = from {
            let e = self.link(verb, (k.to_owned(), i), (kind.to_owned(), id));
            out.push((e, verb.to_owned(), "Edge"));
        }
        for (edge, k, i) in links {
            let e = self.link(&edge, (kind.to_owned(), id), (k, i));
            out.push((e, edge, "Edge"));
        }
        Ok(out)
    }

    /// The `kind2` vertices linked to `kind:id` by `verb` (any edge for `with`).
    pub fn traverse(
        &self,
        kind: &str,
        id: u64,
        verb: &str,
        kind2: &str,
        depth: u32,
    ) -> Result<Vec<Value>, MammutError> {
        if self.properties(kind, id).is_none() {
            return Err(MammutError::NotFound(format!("{kind}:{id} does not exist")));
        }
        let me = (kind.to_owned(), id);
        let ids: Vec<u64> = self
            .edges
            .iter()
            .filter_map(|e| match (e.from == me, e.to == me) {
                (true, _) if (verb == "with" || e.verb == verb) && e.to.0 == kind2 => Some(e.to.1),
                (_, true) if verb == "with" && e.from.0 == kind2 => Some(e.from.1),
                _ => None,
            })
            .collect();
        Ok(ids
            .into_iter()
            .filter_map(|i| self.view(kind2, i, depth.max(1)))
            .collect())
    }

    /// Sets properties of vertex `kind:id` (`edge@type` pairs link instead). An
    /// issue closed with a `resolution-text` teaches the bot that answer.
    pub fn update_vertex(
        &mut self,
        kind: &str,
        id: u64,
        pairs: Vec<(String, Value)>,
    ) -> Result<(), MammutError> {
        if self.properties(kind, id).is_none() {
            return Err(MammutError::NotFound(format!("{kind}:{id} does not exist")));
        }
        // Every link is checked before anything changes.
        for (k, v) in &pairs {
            if let Some((_, target)) = k.split_once('@') {
                let i = v
                    .get("id")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| MammutError::BadRequest(format!("{k} must be {{\"id\": N}}")))?;
                if self.properties(target, i).is_none() {
                    return Err(failed(format!("{target}:{i} does not exist")));
                }
            }
        }
        for (k, v) in pairs {
            if let Some((edge, target)) = k.split_once('@') {
                let i = v.get("id").and_then(Value::as_u64).unwrap_or_default();
                if kind == "issue" && edge == "resolved-by" {
                    self.set_issue(id, |t| t.resolved_by = Some(i));
                }
                self.link(edge, (kind.to_owned(), id), (target.to_owned(), i));
                continue;
            }
            match kind {
                "issue" => self.set_issue_property(id, &k, v),
                _ => {
                    if let Some(vx) = self
                        .vertices
                        .iter_mut()
                        .find(|x| x.kind == kind && x.id == id)
                    {
                        vx.properties.insert(k, v);
                    }
                }
            }
        }
        self.learn_from(kind, id);
        Ok(())
    }

    fn set_issue(&mut self, id: u64, f: impl FnOnce(&mut super::store::Thought)) {
        if let Some(t) = self.thoughts.iter_mut().find(|t| t.id == id) {
            f(t);
        }
    }

    fn set_issue_property(&mut self, id: u64, key: &str, v: Value) {
        let text = v.as_str().map(str::to_owned);
        match key {
            "resolution-text" => self.set_issue(id, |t| t.resolution_text = text),
            "issue-state" => self.set_issue(id, |t| t.issue_state = text.unwrap_or_default()),
            _ => {}
        }
    }

    fn learn_from(&mut self, kind: &str, id: u64) {
        if kind != "issue" {
            return;
        }
        let Some(t) = self.thoughts.iter().find(|t| t.id == id) else {
            return;
        };
        if let (true, Some(answer)) = (t.issue_state == "close", t.resolution_text.clone())
            && !t.text.trim().is_empty()
            && !self.learned.iter().any(|k| k.when == [t.text.clone()])
        {
            self.learned.push(Knowledge {
                when: vec![t.text.clone()],
                answer,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_thought_in_a_room_is_read_from_both_ends() {
        let mut s = Store::default();
        let user = s
            .create_user(body(json!({"user-type": "normal", "name": "Ana"})))
            .unwrap();
        let room = s
            .create_vertex(
                "room",
                body(json!({"title": "t"})),
                Some(("create", "user", user)),
            )
            .unwrap()[0]
            .0;
        let made = s
            .create_vertex("thought", body(json!({"text": "hi", "creation-date": "2019-12-07T22:03:12+00:00", "in@room": {"id": room}})), Some(("send", "user", user)))
            .unwrap();
        let names: Vec<&str> = made.iter().map(|(_, n, _)| n.as_str()).collect();
        assert_eq!(names, ["thought", "send", "in"]);
        let thought = s.view("thought", made[0].0, 2).unwrap();
        assert_eq!(thought["in"]["room"][0]["title"], "t");
        assert_eq!(thought["send-by"]["user"][0]["name"], "Ana");
        let in_room = s.traverse("room", room, "with", "thought", 1).unwrap();
        assert_eq!(in_room.len(), 1);
        assert_eq!(
            s.traverse("user", user, "send", "thought", 1).unwrap()[0]["text"],
            "hi"
        );
        assert!(matches!(
            s.create_vertex("thought", body(json!({"in@room": {"id": 999}})), None),
            Err(MammutError::Failed(_))
        ));
    }
}
