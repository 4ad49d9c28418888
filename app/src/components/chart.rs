//! An ECharts chart drawn in the browser from options built by `crate::charts`. The server
//! renders an empty, labelled box; after hydration the chart is drawn into it, redrawn when the
//! theme changes, resized with the window and disposed when the box goes away.

use charming::Chart;
use leptos::prelude::*;

/// A chart box.
#[component]
pub fn EChart(
    /// Element id, unique on the page.
    #[prop(into)]
    id: String,
    /// What the chart shows, for screen readers and as the box's title.
    #[prop(into)]
    label: String,
    /// The chart's options.
    chart: Chart,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    draw::attach(id.clone(), chart);
    #[cfg(not(feature = "hydrate"))]
    drop(chart);
    view! { <div id=id class="chart" role="img" aria-label=label data-drawn="false"></div> }
}

#[cfg(feature = "hydrate")]
mod draw {
    use charming::renderer::{Echarts, WasmRenderer};
    use charming::theme::Theme;
    use charming::Chart;
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsValue;

    use crate::components::theme_toggle::{page_is_dark, ThemeChanged};

    #[wasm_bindgen]
    extern "C" {
        /// `echarts.dispose(instance)`: frees a chart so its box can be drawn again.
        #[wasm_bindgen(js_namespace = echarts, js_name = dispose)]
        fn dispose(instance: &Echarts);
    }

    fn release(instance: StoredValue<Option<Echarts>, LocalStorage>) {
        instance.update_value(|current| {
            if let Some(old) = current.take() {
                dispose(&old);
            }
        });
    }

    pub fn attach(id: String, chart: Chart) {
        let instance: StoredValue<Option<Echarts>, LocalStorage> = StoredValue::new_local(None);
        let theme = use_context::<ThemeChanged>();
        Effect::new(move |_| {
            if let Some(theme) = theme {
                theme.0.track();
            }
            release(instance);
            let colours = if page_is_dark() {
                Theme::Dark
            } else {
                Theme::Default
            };
            match WasmRenderer::new_opt(None, None)
                .theme(colours)
                .render(&id, &chart)
            {
                Ok(drawn) => {
                    instance.set_value(Some(drawn));
                    if let Some(element) = document().get_element_by_id(&id) {
                        let _ = element.set_attribute("data-drawn", "true");
                    }
                }
                Err(error) => leptos::logging::error!("chart {id} could not be drawn: {error:?}"),
            }
        });
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            instance.with_value(|current| {
                if let Some(drawn) = current {
                    drawn.resize(JsValue::UNDEFINED);
                }
            });
        });
        on_cleanup(move || {
            resize.remove();
            release(instance);
        });
    }
}
