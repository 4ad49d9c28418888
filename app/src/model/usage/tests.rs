use super::*;

#[test]
fn every_unit_is_a_field_of_usage_in_table_order() {
    let usage = serde_json::to_value(Usage::default()).expect("serialises");
    let keys: Vec<&str> = usage
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut table: Vec<&str> = UNITS.iter().map(|spec| spec.key).collect();
    table.sort_unstable();
    assert_eq!(keys, table, "serde_json sorts keys; the sets must agree");
    for (index, spec) in UNITS.iter().enumerate() {
        assert_eq!(spec.unit as usize, index, "{}", spec.key);
        assert_eq!(spec.unit.spec().key, spec.key);
        assert!(!spec.label.is_empty(), "{} has a label", spec.key);
    }
}

#[test]
fn a_unit_is_read_and_written_by_its_name() {
    let mut usage = Usage::default();
    assert!(usage.is_empty());
    usage.set(Unit::ReasoningTokens, Some(Amount::Count(7)));
    usage.set(Unit::VideoSeconds, Some(Amount::Seconds(2.5)));
    assert_eq!(usage.reasoning_tokens, Some(7));
    assert_eq!(usage.video_seconds, Some(2.5));
    assert_eq!(usage.get(Unit::ReasoningTokens), Some(Amount::Count(7)));
    assert_eq!(usage.get(Unit::Images), None);
    assert!(!usage.is_empty());
    usage.set(Unit::ReasoningTokens, None);
    usage.set(Unit::VideoSeconds, None);
    assert!(usage.is_empty());
}

#[test]
fn totals_add_calls_and_other_totals_unit_by_unit() {
    let call = Usage {
        input_tokens: Some(100),
        images: Some(2),
        audio_seconds: Some(1.5),
        ..Usage::default()
    };
    let mut totals = UnitTotals::default();
    totals.add_usage(&call);
    totals.add_usage(&call);
    let copy = totals.clone();
    totals.add(&copy);
    assert_eq!(totals.input_tokens, 400);
    assert_eq!(totals.get(Unit::Images), Amount::Count(8));
    assert_eq!(totals.get(Unit::AudioSeconds), Amount::Seconds(6.0));
    totals.set(Unit::Characters, Amount::Count(3));
    assert_eq!(totals.characters, 3);
}

#[test]
fn parts_and_sums_refer_to_counted_units_and_seconds_are_media() {
    for spec in &UNITS {
        for related in [spec.part_of, spec.adds_to].into_iter().flatten() {
            assert_eq!(related.spec().measure, Measure::Count, "{}", spec.key);
            assert_eq!(spec.measure, Measure::Count, "{}", spec.key);
        }
        if spec.measure == Measure::Seconds {
            assert!(spec.summary.is_some(), "{} is summarised", spec.key);
        }
    }
    assert_eq!(Unit::CachedTokens.spec().part_of, Some(Unit::InputTokens));
}

#[test]
fn every_kind_has_a_card_with_a_main_unit() {
    for kind in ModelKind::ALL {
        let shown: Vec<Shown> = UNITS
            .iter()
            .flat_map(|spec| spec.cards.iter())
            .filter(|(card, _, _)| *card == kind)
            .map(|(_, _, shown)| *shown)
            .collect();
        assert!(
            shown.iter().any(|shown| *shown != Shown::IfUsed),
            "{kind:?} shows something even when idle"
        );
    }
}
