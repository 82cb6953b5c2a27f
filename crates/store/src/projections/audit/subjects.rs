//! The audit's subjects of an event (every uuid in its payload's strings, but in a listing
//! of the world's state: `super::about_only`), found by serializing the event into a
//! collector instead of into a `serde_json::Value` tree and walking that: no tree, no
//! string copied. Building the tree was about a quarter of a projections rebuild's own CPU.
//!
//! What this does not do: decide what an event is about. That is the payload's strings as
//! stored, which [`super::subjects_of`] walks in debug builds to check this against.

use std::collections::BTreeSet;

use domain::DomainEvent;
use serde::Serialize;
use serde::ser;
use uuid::Uuid;

use super::uuid_spans;

/// The ids `event` is about, in order and once each.
pub(super) fn of(event: &DomainEvent) -> Result<Vec<Uuid>, Unserializable> {
    let mut collector = Collector {
        ids: BTreeSet::new(),
        depth: 0,
        skip_listing: matches!(event, DomainEvent::ReplicationTargetSucceeded(_)),
    };
    event.serialize(&mut collector)?;
    Ok(collector.ids.into_iter().collect())
}

/// The event's serialization failed (its `Serialize` said so; the derived ones never do).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unserializable(String);

impl ser::Error for Unserializable {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

struct Collector {
    ids: BTreeSet<Uuid>,
    /// Structs entered: the event's tagged form is 1, its payload 2.
    depth: usize,
    /// Leave out the payload's `replicas` (a target success's listing of the target).
    skip_listing: bool,
}

impl Collector {
    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unserializable> {
        value.serialize(self)
    }
}

/// Serializer methods that take a value holding no text and collect nothing.
macro_rules! ignored {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result<(), Unserializable> {
            Ok(())
        })*
    };
}

/// A sequence's or tuple's serializer: each element is looked into.
macro_rules! elements {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for &mut Collector {
            type Ok = ();
            type Error = Unserializable;
            fn $method<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unserializable> {
                self.value(v)
            }
            fn end(self) -> Result<(), Unserializable> {
                Ok(())
            }
        }
    };
}

impl ser::Serializer for &mut Collector {
    type Ok = ();
    type Error = Unserializable;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_str(self, v: &str) -> Result<(), Unserializable> {
        self.ids.extend(uuid_spans(v).map(|(_, id)| id));
        Ok(())
    }

    // Numbers, booleans, a single character and byte strings hold no uuid's text.
    ignored! {
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128, serialize_f32: f32, serialize_f64: f64, serialize_char: char,
        serialize_bytes: &[u8], serialize_unit_struct: &'static str,
    }
    fn serialize_none(self) -> Result<(), Unserializable> {
        Ok(())
    }
    fn serialize_unit(self) -> Result<(), Unserializable> {
        Ok(())
    }
    // A unit variant is stored as its name, a Rust identifier.
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Unserializable> {
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Unserializable> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unserializable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unserializable> {
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Unserializable> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Unserializable> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Unserializable> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Unserializable> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Unserializable> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Unserializable> {
        self.depth += 1;
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Unserializable> {
        self.depth += 1;
        Ok(self)
    }
}

elements!(SerializeSeq, serialize_element);
elements!(SerializeTuple, serialize_element);
elements!(SerializeTupleStruct, serialize_field);
elements!(SerializeTupleVariant, serialize_field);

/// A map's keys are not looked at (the stored form's object keys are not values).
impl ser::SerializeMap for &mut Collector {
    type Ok = ();
    type Error = Unserializable;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<(), Unserializable> {
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unserializable> {
        self.value(v)
    }
    fn end(self) -> Result<(), Unserializable> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Collector {
    type Ok = ();
    type Error = Unserializable;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unserializable> {
        if self.skip_listing && self.depth == 2 && key == "replicas" {
            return Ok(());
        }
        self.value(v)
    }
    fn end(self) -> Result<(), Unserializable> {
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Collector {
    type Ok = ();
    type Error = Unserializable;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unserializable> {
        self.value(v)
    }
    fn end(self) -> Result<(), Unserializable> {
        self.depth = self.depth.saturating_sub(1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::SubvolumeId;
    use domain::event::JobFailed;

    #[test]
    fn every_uuid_in_any_string_is_collected_once_and_in_order() {
        let (a, b) = (Uuid::max(), Uuid::nil());
        let subvolume = SubvolumeId::new();
        let failed = DomainEvent::JobFailed(JobFailed {
            job_kind: "replicate".into(),
            key: format!("replicate:{a}"),
            subvolume_id: Some(subvolume),
            error: format!("no snapshot {b} on {a}, and {b}"),
            class: "permanent".into(),
            attempts: 3,
        });
        let mut want = vec![a, b, subvolume.as_uuid()];
        want.sort();
        assert_eq!(of(&failed).unwrap_or_default(), want);
    }
}
