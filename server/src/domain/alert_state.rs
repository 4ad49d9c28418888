//! The life of one rule target (the rule as a whole, or one model of an "each model" rule):
//! ok -> pending -> firing -> resolved, one evaluation at a time. Pure code: the evaluator
//! stores the state after every step and an event for every transition, so a restart resumes
//! where it was and never notifies twice.

use serde::{Deserialize, Serialize};

/// Where a target is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not breaching (or never evaluated).
    Ok,
    /// Breaching, but not for enough evaluations in a row yet.
    Pending,
    /// Breaching long enough: notified.
    Firing,
    /// Was firing and recovered (behaves as `Ok`).
    Resolved,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Pending => "pending",
            State::Firing => "firing",
            State::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [State::Ok, State::Pending, State::Firing, State::Resolved]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// A target's stored state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TargetState {
    pub state: State,
    /// Breaching evaluations in a row.
    pub breaches: u32,
    /// When the current state began.
    pub since_ms: i64,
    /// When the last notification about this target went out.
    pub notified_ms: Option<i64>,
}

impl TargetState {
    /// A target never evaluated.
    pub fn new(now_ms: i64) -> Self {
        Self {
            state: State::Ok,
            breaches: 0,
            since_ms: now_ms,
            notified_ms: None,
        }
    }
}

/// What one evaluation found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Observation {
    Breaching,
    Clear,
    /// Too few calls in the window (or no data): says nothing either way, so nothing changes.
    NotEvaluable,
}

/// What a step recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Pending,
    Firing,
    /// Still firing after the re-notify interval: a reminder.
    StillFiring,
    Resolved,
    /// A pending target went back to ok without firing.
    Cleared,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Pending => "pending",
            EventKind::Firing => "firing",
            EventKind::StillFiring => "still_firing",
            EventKind::Resolved => "resolved",
            EventKind::Cleared => "cleared",
        }
    }

    /// Whether the event goes out to the dashboard and the rule's channels.
    pub fn notifies(self) -> bool {
        matches!(
            self,
            EventKind::Firing | EventKind::StillFiring | EventKind::Resolved
        )
    }
}

/// A rule's settings that the state machine needs.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub consecutive: u32,
    pub renotify_ms: Option<i64>,
}

/// The state after `observation` at `now_ms`, and the event it records, if any.
pub fn step(
    current: TargetState,
    observation: Observation,
    policy: Policy,
    now_ms: i64,
) -> (TargetState, Option<EventKind>) {
    let mut next = current;
    let event = match observation {
        Observation::NotEvaluable => None,
        Observation::Breaching => {
            next.breaches = current.breaches.saturating_add(1);
            match current.state {
                State::Firing => {
                    let due = policy.renotify_ms.is_some_and(|interval| {
                        current
                            .notified_ms
                            .is_none_or(|notified| now_ms - notified >= interval)
                    });
                    due.then_some(EventKind::StillFiring)
                }
                _ if next.breaches >= policy.consecutive.max(1) => {
                    next.state = State::Firing;
                    next.since_ms = now_ms;
                    Some(EventKind::Firing)
                }
                State::Pending => None,
                State::Ok | State::Resolved => {
                    next.state = State::Pending;
                    next.since_ms = now_ms;
                    Some(EventKind::Pending)
                }
            }
        }
        Observation::Clear => {
            next.breaches = 0;
            match current.state {
                State::Firing => {
                    next.state = State::Resolved;
                    next.since_ms = now_ms;
                    Some(EventKind::Resolved)
                }
                State::Pending => {
                    next.state = State::Ok;
                    next.since_ms = now_ms;
                    Some(EventKind::Cleared)
                }
                State::Ok | State::Resolved => None,
            }
        }
    };
    if event.is_some_and(EventKind::notifies) {
        next.notified_ms = Some(now_ms);
    }
    (next, event)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn run(observations: &[Observation], policy: Policy) -> (TargetState, Vec<(i64, EventKind)>) {
        let mut state = TargetState::new(0);
        let mut events = Vec::new();
        for (index, observation) in observations.iter().enumerate() {
            let now = (index as i64 + 1) * MINUTE;
            let (next, event) = step(state, *observation, policy, now);
            if let Some(event) = event {
                events.push((index as i64 + 1, event));
            }
            state = next;
        }
        (state, events)
    }

    use Observation::{Breaching as B, Clear as C, NotEvaluable as N};

    #[test]
    fn a_rule_fires_after_enough_breaches_in_a_row_and_resolves_once() {
        let policy = Policy {
            consecutive: 3,
            renotify_ms: None,
        };
        let (state, events) = run(&[B, B, C, B, B, B, B, B, C, C, B], policy);
        assert_eq!(
            events,
            vec![
                (1, EventKind::Pending),
                (3, EventKind::Cleared),
                (4, EventKind::Pending),
                (6, EventKind::Firing),
                (9, EventKind::Resolved),
                (11, EventKind::Pending),
            ],
            "no repeated notification while firing"
        );
        assert_eq!(state.state, State::Pending);
    }

    #[test]
    fn one_breach_is_enough_when_the_rule_says_so() {
        let policy = Policy {
            consecutive: 1,
            renotify_ms: None,
        };
        let (state, events) = run(&[B, C], policy);
        assert_eq!(
            events,
            vec![(1, EventKind::Firing), (2, EventKind::Resolved)]
        );
        assert_eq!(state.state, State::Resolved);
        assert_eq!(state.notified_ms, Some(2 * MINUTE));
    }

    #[test]
    fn a_firing_rule_reminds_only_after_its_interval() {
        let policy = Policy {
            consecutive: 1,
            renotify_ms: Some(3 * MINUTE),
        };
        let (_, events) = run(&[B, B, B, B, B, B, B], policy);
        assert_eq!(
            events,
            vec![
                (1, EventKind::Firing),
                (4, EventKind::StillFiring),
                (7, EventKind::StillFiring),
            ]
        );
    }

    #[test]
    fn too_little_data_changes_nothing() {
        let policy = Policy {
            consecutive: 2,
            renotify_ms: None,
        };
        let (state, events) = run(&[B, N, N, B, N, C], policy);
        assert_eq!(
            events,
            vec![
                (1, EventKind::Pending),
                (4, EventKind::Firing),
                (6, EventKind::Resolved)
            ]
        );
        assert_eq!(state.breaches, 0);
    }

    #[test]
    fn a_restored_state_continues_without_firing_again() {
        let policy = Policy {
            consecutive: 1,
            renotify_ms: None,
        };
        let (firing, _) = step(TargetState::new(0), B, policy, MINUTE);
        // Stored, restarted, evaluated again: still firing, no second notification.
        let restored = TargetState { ..firing };
        let (after, event) = step(restored, B, policy, 2 * MINUTE);
        assert_eq!((after.state, event), (State::Firing, None));
        assert_eq!(State::parse(after.state.as_str()), Some(State::Firing));
    }
}
