//! What a chart draws, as the browser's chart script (`end2end/charts/entry.js`, on uPlot) reads
//! it: x labels, one y axis and the series, serialised to JSON. Kept to what the dashboard's
//! charts use; `registered.rs` checks that the script handles every kind built here.

use serde::Serialize;

/// A chart: category labels along x (one per point), one y axis, the series over them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Chart {
    #[serde(rename = "xAxis")]
    x_axis: XAxis,
    #[serde(rename = "yAxis")]
    y_axis: YAxis,
    /// Colours of the series in order, where a series does not set its own.
    color: Vec<&'static str>,
    series: Vec<Series>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
struct XAxis {
    name: &'static str,
    data: Vec<String>,
}

/// The y axis: linear (`value`) or logarithmic (`log`), named by its unit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YAxis {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
}

impl YAxis {
    /// A linear axis from zero.
    pub fn value(name: &str) -> Self {
        Self {
            kind: "value",
            name: name.to_owned(),
            min: None,
        }
    }

    /// A logarithmic axis starting at `min`.
    pub fn log(name: &str, min: f64) -> Self {
        Self {
            kind: "log",
            name: name.to_owned(),
            min: Some(min),
        }
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A line; `None` values are gaps.
    Line,
    /// Bars, one per point.
    Bar,
    /// Points only, where a value is present.
    Scatter,
}

/// Every [`Kind`], for the check that the browser's script draws each.
pub const KINDS: [Kind; 3] = [Kind::Line, Kind::Bar, Kind::Scatter];

/// One series: a name for the legend, values per point (`None`: no value there).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    #[serde(rename = "type")]
    kind: Kind,
    name: String,
    /// Series with the same stack are drawn on top of each other, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    stack: Option<String>,
    /// The area under a line is filled.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    area: bool,
    /// A dashed line.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    dashed: bool,
    /// Its own colour instead of the chart's next one.
    #[serde(skip_serializing_if = "Option::is_none")]
    colour: Option<&'static str>,
    data: Vec<Option<f64>>,
}

impl Series {
    fn new<T: Into<f64>>(
        kind: Kind,
        name: &str,
        data: impl IntoIterator<Item = Option<T>>,
    ) -> Self {
        Self {
            kind,
            name: name.to_owned(),
            stack: None,
            area: false,
            dashed: false,
            colour: None,
            data: data
                .into_iter()
                .map(|value| value.map(Into::into))
                .collect(),
        }
    }

    /// A line through `data`.
    pub fn line<T: Into<f64>>(name: &str, data: impl IntoIterator<Item = Option<T>>) -> Self {
        Self::new(Kind::Line, name, data)
    }

    /// Bars of `data`.
    pub fn bar<T: Into<f64>>(name: &str, data: impl IntoIterator<Item = Option<T>>) -> Self {
        Self::new(Kind::Bar, name, data)
    }

    /// Points at `data`.
    pub fn scatter<T: Into<f64>>(name: &str, data: impl IntoIterator<Item = Option<T>>) -> Self {
        Self::new(Kind::Scatter, name, data)
    }

    pub fn stack(mut self, stack: &str) -> Self {
        self.stack = Some(stack.to_owned());
        self
    }

    pub fn area(mut self) -> Self {
        self.area = true;
        self
    }

    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    pub fn colour(mut self, colour: &'static str) -> Self {
        self.colour = Some(colour);
        self
    }
}

impl Chart {
    /// A chart over `labels` (x, in UTC) with `y_axis`, no series yet.
    pub fn new(labels: Vec<String>, y_axis: YAxis) -> Self {
        Self {
            x_axis: XAxis {
                name: "UTC",
                data: labels,
            },
            y_axis,
            color: Vec::new(),
            series: Vec::new(),
        }
    }

    /// The colours of the series, in order.
    pub fn color(mut self, colours: Vec<&'static str>) -> Self {
        self.color = colours;
        self
    }

    pub fn series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// The kinds of series drawn.
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        self.series.iter().map(|series| series.kind)
    }

    /// The chart as the browser's script reads it.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}
