//! The flow catalogue's vocabulary: each flow declares its parameters once, beside its code (`SPEC` in its
//! module), and `flows::CATALOGUE` lists the flows. The core checks parameters against these declarations;
//! the binding exports them (`_core.flow_specs()`), and the Python facade canonicalises from them.

use crate::CoreError;

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Bool,
    Int,
    Float,
    /// One of these words (case-insensitive on input, lower-case once canonical).
    Choice(&'static [&'static str]),
    /// A pair (lo, hi) of finite floats with lo <= hi.
    Range,
    /// A set of integers (sorted once canonical).
    IntSet,
    /// A set of texts (sorted once canonical).
    TextSet,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Choice(_) => "choice",
            Kind::Range => "range",
            Kind::IntSet => "int_set",
            Kind::TextSet => "text_set",
        }
    }
}

/// A parameter's default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// Optional: absent means no value (None).
    Absent,
    /// Required: no default.
    Required,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(&'static str),
}

/// One parameter of a flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub default: DefaultValue,
    /// Inclusive lower bound (numbers).
    pub lo: Option<f64>,
    /// Upper bound (numbers), inclusive unless `hi_open`.
    pub hi: Option<f64>,
    pub hi_open: bool,
    /// A setting that replaces `default` when the request leaves the parameter out (`UI.TOP_N`).
    pub setting: Option<&'static str>,
}

impl Param {
    pub const fn new(name: &'static str, kind: Kind, default: DefaultValue) -> Param {
        Param { name, kind, default, lo: None, hi: None, hi_open: false, setting: None }
    }
    /// Bounds `lo ..= hi`.
    pub const fn within(self, lo: f64, hi: f64) -> Param {
        Param { lo: Some(lo), hi: Some(hi), ..self }
    }
    /// Bounds `lo .. hi` (upper bound excluded).
    pub const fn within_open(self, lo: f64, hi: f64) -> Param {
        Param { lo: Some(lo), hi: Some(hi), hi_open: true, ..self }
    }
    pub const fn at_least(self, lo: f64) -> Param {
        Param { lo: Some(lo), ..self }
    }
    pub const fn setting(self, key: &'static str) -> Param {
        Param { setting: Some(key), ..self }
    }
    /// Whether `x` is within the bounds (NaN never is).
    pub fn admits(&self, x: f64) -> bool {
        let above = self.lo.map_or(!x.is_nan(), |lo| x >= lo);
        let below = self.hi.map_or(!x.is_nan(), |hi| if self.hi_open { x < hi } else { x <= hi });
        above && below
    }
}

/// A rule between two parameters of a flow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Not both given; when neither is, the first takes its default. `message` when both are.
    Exclusive { first: &'static str, second: &'static str, message: &'static str },
    /// When both are given, `lo` < `hi` (`strict`) or `lo` <= `hi`; `message` may name the values as `{lo}`
    /// and `{hi}`.
    Ordered { lo: &'static str, hi: &'static str, strict: bool, message: &'static str },
}

impl Rule {
    /// `Ordered`: the error when `lo`, `hi` break the rule (both given).
    pub fn check_order<T: PartialOrd + std::fmt::Display>(&self, lo: Option<T>, hi: Option<T>) -> Result<(), CoreError> {
        if let (Rule::Ordered { strict, message, .. }, Some(a), Some(b)) = (self, lo, hi) {
            let bad = if *strict { !(a < b) } else { !(a <= b) };
            if bad {
                return Err(CoreError::value(message.replace("{lo}", &a.to_string()).replace("{hi}", &b.to_string())));
            }
        }
        Ok(())
    }
}

/// One flow of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowSpec {
    /// The facade's name (`sky_map`); the CLI and the API spell it with hyphens.
    pub name: &'static str,
    pub params: &'static [Param],
    pub rules: &'static [Rule],
}

impl FlowSpec {
    pub fn param(&self, name: &str) -> &Param {
        self.params.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{}: no parameter {name}", self.name))
    }
}
