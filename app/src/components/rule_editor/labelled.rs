//! The rule editor's labelled fields and when they show their problems.

use leptos::prelude::*;

use crate::model::FieldProblem;

fn problem_of(problems: &[FieldProblem], field: &str) -> Option<String> {
    problems
        .iter()
        .find(|problem| problem.field == field)
        .map(|problem| problem.message.clone())
}

/// Which fields show their problems: those typed in or left, and all of them once a save was
/// tried, so an untouched new rule is not red before anything was typed.
#[derive(Clone, Copy)]
pub(super) struct Shown {
    fields: RwSignal<Vec<&'static str>>,
    pub(super) all: RwSignal<bool>,
}

impl Shown {
    pub(super) fn new() -> Self {
        Self {
            fields: RwSignal::new(Vec::new()),
            all: RwSignal::new(false),
        }
    }

    pub(super) fn touch(self, field: &'static str) {
        if !self.fields.with_untracked(|fields| fields.contains(&field)) {
            self.fields.update(|fields| fields.push(field));
        }
    }

    pub(super) fn shows(self, field: &'static str) -> bool {
        self.all.get() || self.fields.with(|fields| fields.contains(&field))
    }

    pub(super) fn reset(self) {
        self.fields.set(Vec::new());
        self.all.set(false);
    }
}

/// One labelled field with its problem under it (once it is shown).
#[component]
pub(super) fn Labelled(
    /// The field's name (as validation names it).
    field: &'static str,
    /// The visible label.
    label: &'static str,
    /// The current problems.
    problems: Memo<Vec<FieldProblem>>,
    /// Which fields show their problems.
    shown: Shown,
    children: Children,
) -> impl IntoView {
    let message = move || {
        if !shown.shows(field) {
            return None;
        }
        problems.with(|problems| problem_of(problems, field))
    };
    view! {
        <label
            class="editor-field"
            class:invalid=move || message().is_some()
            data-field=field
            on:input=move |_| shown.touch(field)
            on:change=move |_| shown.touch(field)
            on:focusout=move |_| shown.touch(field)
        >
            <span class="editor-label">{label}</span>
            {children()}
            <span class="field-problem" role="alert">{message}</span>
        </label>
    }
}
