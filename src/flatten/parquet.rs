//! Rows → Parquet, through the Apache Arrow crates (cargo feature `parquet`).

use std::io::Write;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::batch::ColumnData;
use super::{Column, ColumnKind, RowBatch, columns};
use crate::classify::Reasons;

/// How Parquet files are written.
#[derive(Clone, Debug)]
pub struct ParquetOptions {
    /// Rows per row group at most (default 131,072): a row group is buffered, encoded, before
    /// it is written, so this bounds the memory a file being written takes.
    pub row_group_rows: usize,
    /// The zstd level (default 1: the fastest; level 3 saves about 5% more for twice the
    /// compression time).
    pub zstd_level: i32,
    /// Key-value metadata for the file footer, after `callq.version` (the options a run was
    /// made with, for example).
    pub metadata: Vec<(String, String)>,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            row_group_rows: 128 * 1024,
            zstd_level: 1,
            metadata: Vec::new(),
        }
    }
}

fn data_type(kind: ColumnKind) -> DataType {
    match kind {
        ColumnKind::String => DataType::Utf8,
        ColumnKind::Int64 => DataType::Int64,
        ColumnKind::Float64 => DataType::Float64,
        ColumnKind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ColumnKind::Boolean => DataType::Boolean,
        ColumnKind::Reasons => DataType::List(Arc::new(reason_field())),
    }
}

fn reason_field() -> Field {
    Field::new("item", DataType::Utf8, false)
}

fn field(c: &Column) -> Field {
    // Reasons are never null (an empty list when there are none); everything else may be.
    Field::new(
        c.name(),
        data_type(c.kind()),
        c.kind() != ColumnKind::Reasons,
    )
}

/// The Arrow schema of the rows ([`columns`]`(with_buildings)`): strings `Utf8`, integers
/// `Int64`, doubles `Float64`, times `Timestamp(µs, "UTC")`, `…InsideCorp` `Boolean`, reasons
/// `List<Utf8>`.
///
/// ```
/// let schema = callq::flatten::arrow_schema(false);
/// assert_eq!(schema.field(0).name(), "recordId");
/// assert_eq!(schema.fields().len(), callq::flatten::columns(false).len());
/// ```
pub fn arrow_schema(with_buildings: bool) -> SchemaRef {
    Arc::new(Schema::new(
        columns(with_buildings)
            .iter()
            .map(field)
            .collect::<Vec<_>>(),
    ))
}

fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
    if valid.iter().all(|&v| v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    }
}

/// The batch as an Arrow record batch (consumes it: its buffers become Arrow's).
pub(crate) fn record_batch(
    schema: &SchemaRef,
    batch: RowBatch,
) -> parquet::errors::Result<RecordBatch> {
    let rows = batch.len();
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(batch.columns.len());
    for data in batch.columns {
        let array: ArrayRef = match data {
            ColumnData::Str {
                offsets,
                bytes,
                valid,
            } => Arc::new(StringArray::try_new(
                OffsetBuffer::new(ScalarBuffer::from(offsets)),
                Buffer::from_vec(bytes),
                nulls(valid),
            )?),
            ColumnData::I64 { values, valid } => {
                Arc::new(Int64Array::new(ScalarBuffer::from(values), nulls(valid)))
            }
            ColumnData::Ts { values, valid } => Arc::new(
                TimestampMicrosecondArray::new(ScalarBuffer::from(values), nulls(valid))
                    .with_timezone("UTC"),
            ),
            ColumnData::F64 { values, valid } => {
                Arc::new(Float64Array::new(ScalarBuffer::from(values), nulls(valid)))
            }
            ColumnData::Bool { values, valid } => {
                Arc::new(BooleanArray::new(BooleanBuffer::from(values), nulls(valid)))
            }
            ColumnData::Reasons(bits) => {
                let mut offsets: Vec<i32> = Vec::with_capacity(rows + 1);
                let mut item_offsets: Vec<i32> = vec![0];
                let mut item_bytes: Vec<u8> = Vec::new();
                offsets.push(0);
                let mut items = 0i32;
                for b in bits {
                    let r = Reasons::from_bits(b);
                    for (reason, name) in Reasons::ALL {
                        if r.contains(reason) {
                            item_bytes.extend_from_slice(name.as_bytes());
                            item_offsets.push(item_bytes.len() as i32);
                            items += 1;
                        }
                    }
                    offsets.push(items);
                }
                let values = StringArray::try_new(
                    OffsetBuffer::new(ScalarBuffer::from(item_offsets)),
                    Buffer::from_vec(item_bytes),
                    None,
                )?;
                Arc::new(ListArray::try_new(
                    Arc::new(reason_field()),
                    OffsetBuffer::new(ScalarBuffer::from(offsets)),
                    Arc::new(values),
                    None,
                )?)
            }
        };
        arrays.push(array);
    }
    Ok(RecordBatch::try_new(Arc::clone(schema), arrays)?)
}

/// A Parquet file being written: zstd, dictionary-encoded strings, bounded row groups, and
/// callq's version and the run's options in the key-value metadata.
pub(crate) struct ParquetWriter<W: Write + Send> {
    schema: SchemaRef,
    writer: ArrowWriter<W>,
}

impl<W: Write + Send> ParquetWriter<W> {
    pub(crate) fn new(
        out: W,
        with_buildings: bool,
        options: &ParquetOptions,
    ) -> parquet::errors::Result<Self> {
        let schema = arrow_schema(with_buildings);
        let mut metadata = vec![KeyValue::new(
            "callq.version".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        )];
        metadata.extend(
            options
                .metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
        );
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(options.zstd_level)?))
            // Dictionaries for the strings (numbers are nearly all distinct: a dictionary for
            // them is only work), except a stream's id, which is unique.
            .set_dictionary_enabled(false)
            // Row-group statistics (what DuckDB, Spark and Polars prune with), not per page.
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_max_row_group_row_count(Some(options.row_group_rows.max(1)))
            .set_key_value_metadata(Some(metadata));
        for c in columns(with_buildings) {
            let path = match c.kind() {
                ColumnKind::String if c.name() != "streamId" => ColumnPath::from(c.name()),
                ColumnKind::Reasons => ColumnPath::new(vec![
                    c.name().to_owned(),
                    "list".to_owned(),
                    "item".to_owned(),
                ]),
                _ => continue,
            };
            props = props.set_column_dictionary_enabled(path, true);
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(out, Arc::clone(&schema), Some(props))?;
        Ok(ParquetWriter { schema, writer })
    }

    pub(crate) fn write(&mut self, batch: RowBatch) -> parquet::errors::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let rb = record_batch(&self.schema, batch)?;
        self.writer.write(&rb)
    }

    /// The output being written.
    pub(crate) fn output(&self) -> &W {
        self.writer.inner()
    }

    /// Bytes buffered for the row group in progress.
    pub(crate) fn in_progress_size(&self) -> usize {
        self.writer.in_progress_size()
    }

    /// Writes the row group in progress out.
    pub(crate) fn flush(&mut self) -> parquet::errors::Result<()> {
        self.writer.flush()
    }

    /// Writes the footer and returns the output.
    pub(crate) fn finish(self) -> parquet::errors::Result<W> {
        self.writer.into_inner()
    }
}

/// A Parquet error as an I/O error (an I/O failure keeps its kind: a full disk stays one).
pub(crate) fn io_error(e: parquet::errors::ParquetError) -> std::io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(io) => *io,
                Err(other) => std::io::Error::other(other.to_string()),
            }
        }
        other => std::io::Error::other(format!("Parquet: {other}")),
    }
}
