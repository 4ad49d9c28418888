//! Live alert notifications in every open dashboard: one Server-Sent Events connection
//! (`/api/v1/events`; the browser's EventSource reconnects by itself after a drop) feeds
//! toasts, the header's bell with its unread count, and a version the Alerts page watches to
//! refresh its history without a reload.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::format::alert_summary;
use crate::model::AlertEvent;

/// How long a toast stays.
const TOAST_SECS: u64 = 10;

/// The live state shared through context.
#[derive(Clone, Copy)]
pub struct Notifications {
    /// Events shown as toasts, newest last.
    pub toasts: RwSignal<Vec<AlertEvent>>,
    /// Events received since the user last opened the Alerts page.
    pub unread: RwSignal<u32>,
    /// Bumped on every event received.
    pub version: RwSignal<u64>,
    /// Whether the event stream is connected.
    pub connected: RwSignal<bool>,
}

/// The notifications of this page, provided by [`provide_notifications`].
pub fn use_notifications() -> Notifications {
    use_context::<Notifications>().unwrap_or_else(|| Notifications {
        toasts: RwSignal::new(Vec::new()),
        unread: RwSignal::new(0),
        version: RwSignal::new(0),
        connected: RwSignal::new(false),
    })
}

/// Creates the shared state and, in the browser, connects the event stream.
pub fn provide_notifications() -> Notifications {
    let notifications = Notifications {
        toasts: RwSignal::new(Vec::new()),
        unread: RwSignal::new(0),
        version: RwSignal::new(0),
        connected: RwSignal::new(false),
    };
    provide_context(notifications);
    notifications
}

/// Listens to the event stream of the URL's workspace (in the browser), reconnecting to the
/// new one when the workspace changes.
#[component]
pub fn LiveEvents() -> impl IntoView {
    let ws = crate::workspace::use_ws();
    #[cfg(feature = "hydrate")]
    {
        let notifications = use_notifications();
        let current = StoredValue::new_local(None::<web_sys::EventSource>);
        Effect::new(move |_| {
            let ws = ws.get();
            current.update_value(|old| {
                if let Some(old) = old.take() {
                    old.close();
                }
            });
            current.set_value(connect(notifications, ws));
        });
        on_cleanup(move || {
            current.update_value(|old| {
                if let Some(old) = old.take() {
                    old.close();
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ws;
}

/// Adds a received event: a toast (removed after a while), the unread count, the version.
pub fn receive(notifications: Notifications, event: AlertEvent) {
    let id = event.id;
    notifications.toasts.update(|toasts| {
        toasts.push(event);
        // A burst never buries the page.
        while toasts.len() > 5 {
            toasts.remove(0);
        }
    });
    notifications.unread.update(|unread| *unread += 1);
    notifications.version.update(|version| *version += 1);
    set_timeout(
        move || {
            notifications
                .toasts
                .update(|toasts| toasts.retain(|toast| toast.id != id))
        },
        std::time::Duration::from_secs(TOAST_SECS),
    );
}

#[cfg(feature = "hydrate")]
fn connect(notifications: Notifications, ws: Option<i64>) -> Option<web_sys::EventSource> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let url = crate::workspace::ws_path("/api/v1/events", ws);
    let source = web_sys::EventSource::new(&url).ok()?;
    let on_alert =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            let Some(data) = message.data().as_string() else {
                return;
            };
            if let Ok(event) = serde_json::from_str::<AlertEvent>(&data) {
                receive(notifications, event);
            }
        });
    let _ = source.add_event_listener_with_callback("alert", on_alert.as_ref().unchecked_ref());
    let on_open = Closure::<dyn FnMut()>::new(move || notifications.connected.set(true));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    let on_error = Closure::<dyn FnMut()>::new(move || notifications.connected.set(false));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the page; the source until the workspace changes.
    on_alert.forget();
    on_open.forget();
    on_error.forget();
    Some(source)
}

/// The bell in the header: unread alert notifications, a link to the Alerts page.
#[component]
pub fn Bell() -> impl IntoView {
    let ws = crate::workspace::use_ws();
    let notifications = use_notifications();
    let unread = notifications.unread;
    let label = move || match unread.get() {
        0 => "Alerts: no new notifications".to_owned(),
        1 => "Alerts: 1 new notification".to_owned(),
        n => format!("Alerts: {n} new notifications"),
    };
    view! {
        <A href=move || crate::workspace::ws_path("/alerts", ws.get()) attr:class="bell" attr:aria-label=label attr:data-testid="bell" on:click=move |_| unread.set(0)>
            <svg class="bell-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <path
                    fill="currentColor"
                    d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6v-5a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
                />
            </svg>
            <Show when=move || { unread.get() > 0 }>
                <span class="badge" data-testid="bell-count">{move || unread.get()}</span>
            </Show>
        </A>
    }
}

/// The toasts, bottom right.
#[component]
pub fn Toasts() -> impl IntoView {
    let ws = crate::workspace::use_ws();
    let notifications = use_notifications();
    view! {
        <div class="toasts" role="region" aria-label="Notifications" aria-live="polite">
            <For each=move || notifications.toasts.get() key=|event| event.id let:event>
                <div class=format!("toast toast-{}", event.kind) role="status" data-testid="toast">
                    <strong>{alert_summary(&event).0}</strong>
                    <span>{alert_summary(&event).1}</span>
                    <A href=move || crate::workspace::ws_path("/alerts", ws.get())>"Details"</A>
                </div>
            </For>
        </div>
    }
}
