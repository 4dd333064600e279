"""Apache Spark behind the log detections: the same SQL as DuckDB, on a laptop or a cluster.

``minehunt scan logs zeek PATH --engine spark [--spark-master URL]`` starts (or, under
``spark-submit``, joins) one SparkSession. Paths may be local or anything Hadoop reads
(``hdfs://``, ``s3a://``); those are listed and read by Spark itself, so the logs never leave
the cluster. Only the candidate rows (a tiny fraction) come back to the driver for judging.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from typing import Any

from minehunt.net.logs.engine import (
    EngineName,
    EngineUnavailable,
    Format,
    Source,
    Unreachable,
    column,
    display_path,
)

_SESSION: Any = None


def _literal(value: str | int) -> str:
    """A Spark SQL literal (Spark reads backslash escapes in string literals)."""
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def unreachable_reason(url: str, error: Any) -> str:
    """One line for a Hadoop file-system error (a Java exception), without its stack."""
    kind = str(error.getClass().getName())
    message = str(error.getMessage() or "").splitlines()[0] if error.getMessage() else ""
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    if kind.endswith("UnsupportedFileSystemException") or (
        "ClassNotFoundException" in kind + message and "FileSystem" in message
    ):
        hint = {
            "s3a": "the hadoop-aws jar matching Spark's Hadoop and the AWS SDK bundle "
            "(spark-submit --packages org.apache.hadoop:hadoop-aws:VERSION)",
            "gs": "the GCS connector jar (gcs-connector-hadoop3)",
            "abfs": "the hadoop-azure jar",
            "abfss": "the hadoop-azure jar",
        }.get(scheme, f"a Hadoop FileSystem for {scheme}:// on Spark's classpath")
        return f"Spark cannot open {scheme}:// URLs here: it needs {hint} (docs/spark.md)"
    if kind.endswith("FileNotFoundException"):
        return f"{url}: no such file or directory"
    return f"{url}: {kind.rsplit('.', 1)[-1]}: {message}".rstrip(": ")


def _java_missing() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return False
    return shutil.which("java") is None


class SparkEngine:
    name = EngineName.SPARK

    def __init__(self, spark: Any) -> None:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException

        self.spark = spark
        self.errors: tuple[type[BaseException], ...] = (PySparkException, Py4JError)

    @classmethod
    def start(cls, master: str | None) -> SparkEngine:
        global _SESSION
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:
            raise EngineUnavailable(
                "--engine spark needs PySpark: pip install 'minehunt[spark]'"
            ) from e
        if _SESSION is None or _SESSION._jsc is None:
            if _java_missing():
                raise EngineUnavailable(
                    "--engine spark needs Java 17 (JAVA_HOME or java on PATH): "
                    "apt-get install openjdk-17-jre-headless"
                )
            builder = SparkSession.builder.appName("minehunt scan logs")
            submitted = "PYSPARK_SUBMIT_ARGS" in os.environ or "SPARK_HOME" in os.environ
            if not master and not submitted:
                master = "local[*]"
            if master:
                builder = builder.master(master)
            if master and master.startswith("local"):
                # A local Spark talks to itself over loopback only.
                os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
                builder = builder.config("spark.driver.host", "127.0.0.1").config(
                    "spark.driver.bindAddress", "127.0.0.1"
                )
            for key, value in (
                ("spark.sql.session.timeZone", "UTC"),
                ("spark.ui.showConsoleProgress", "false"),
                ("spark.sql.files.ignoreCorruptFiles", "true"),
                # Local files without Hadoop's .crc side files: rotated Zeek logs have ':' in
                # their names, which the checksum layer cannot turn into a side-file path.
                ("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem"),
                ("spark.hadoop.fs.file.impl.disable.cache", "true"),
            ):
                builder = builder.config(key, value)
            try:
                _SESSION = builder.getOrCreate()
            except Exception as e:
                raise EngineUnavailable(f"cannot start Spark: {e}") from e
            _SESSION.sparkContext.setLogLevel("ERROR")
        return cls(_SESSION)

    def load(self, table: str, sources: Sequence[Source], want: Sequence[str]) -> None:
        from pyspark.sql import functions as F
        from pyspark.sql.types import StringType, StructField, StructType

        frames = []
        for src in sources:
            paths = list(src.paths)
            if src.fmt is Format.TSV:
                schema = StructType([StructField(column(f), StringType()) for f in src.fields])
                df = self.spark.read.csv(
                    paths, schema=schema, sep="\t", comment="#", quote="", escape="",
                    nullValue="-", mode="PERMISSIVE", ignoreLeadingWhiteSpace=False,
                    ignoreTrailingWhiteSpace=False,
                )  # fmt: skip
                have = {column(f) for f in src.fields}
            elif src.fmt is Format.JSON:
                schema = StructType([StructField(f, StringType()) for f in want])
                df = self.spark.read.json(paths, schema=schema, mode="PERMISSIVE")
                df = df.toDF(*[column(f) for f in want])
                have = {column(f) for f in want}
            else:
                df = self.spark.read.option("mergeSchema", "true").parquet(*paths)
                df = df.toDF(*[column(c) for c in df.columns])
                have = set(df.columns)
            cols = [
                F.col(column(f)).cast("string").alias(column(f))
                if column(f) in have
                else F.lit(None).cast("string").alias(column(f))
                for f in want
            ]
            frames.append(df.select(*cols, F.input_file_name().alias("filename")))
        if not frames:
            schema = StructType([StructField(column(f), StringType()) for f in want])
            frames.append(
                self.spark.createDataFrame([], schema).withColumn(
                    "filename", F.lit(None).cast("string")
                )
            )
        out = frames[0]
        for df in frames[1:]:
            out = out.unionByName(df)
        out.createOrReplaceTempView(table)

    def load_eve(self, table: str, paths: Sequence[str], columns: dict[str, str]) -> None:
        from pyspark.sql import functions as F

        lines = self.spark.read.text(list(paths))
        cols = []
        for key, sql_type in columns.items():
            value = F.get_json_object("value", f"$.{key}")
            if sql_type == "INTEGER":
                value = F.expr(f"try_cast(get_json_object(value, '$.{key}') AS INT)")
            cols.append(value.alias("ts" if key == "timestamp" else key))
        df = lines.select(*cols, F.input_file_name().alias("filename")).where(
            F.col("event_type").isin("dns", "tls", "flow", "http", "alert")
        )
        df.createOrReplaceTempView(table)

    def lookup(self, table: str, values: Sequence[str | int], sql_type: str) -> None:
        # An inline table (VALUES) is a LocalRelation whose size Spark knows, so the IN
        # (SELECT v ...) tests become broadcast joins: the logs are filtered where they are
        # read. A DataFrame made from Python rows has no size estimate and would make Spark
        # shuffle the whole conn log once per lookup.
        spark_type = "INT" if sql_type.upper().startswith("INT") else "STRING"
        if values:
            rows = ", ".join(f"({_literal(v)})" for v in values)
            sql = f"SELECT CAST(v AS {spark_type}) AS v FROM VALUES {rows} AS t(v)"
        else:
            sql = f"SELECT CAST(NULL AS {spark_type}) AS v WHERE false"
        self.spark.sql(sql).createOrReplaceTempView(table)

    def materialize(self, table: str, sql: str) -> None:
        # Cached and computed now: a cached table's size is known once it is built, so a
        # small one (the candidate uids) is broadcast to where the conn log is read.
        df = self.spark.sql(sql).cache()
        df.count()
        df.createOrReplaceTempView(table)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [
            tuple(display_path(v) if isinstance(v, str) and v.startswith("file:") else v for v in r)
            for r in self.spark.sql(sql).collect()
        ]

    def epoch(self, expr: str) -> str:
        iso = f"replace({expr}, 'Z', '+00:00')"
        return (
            f"coalesce(try_cast({expr} AS DOUBLE), "
            f"unix_micros(coalesce(try_to_timestamp({iso}, \"yyyy-MM-dd'T'HH:mm:ss.SSSSSSZ\"), "
            f"try_to_timestamp({iso}))) / 1000000.0)"
        )

    def json_str(self, expr: str, path: str) -> str:
        return f"get_json_object({expr}, '{path}')"

    def collect(self, expr: str) -> str:
        return f"sort_array(collect_list({expr}))"

    def write(self, sql: str, out: str) -> None:
        self.spark.sql(sql).write.mode("overwrite").parquet(out)

    def head(self, path: str, limit: int) -> list[str]:
        return [str(r.value) for r in self.spark.read.text(path).limit(limit).collect()]

    def list_files(self, url: str) -> list[str]:
        from py4j.protocol import Py4JJavaError

        jvm = self.spark.sparkContext._jvm
        conf = self.spark.sparkContext._jsc.hadoopConfiguration()
        try:
            root = jvm.org.apache.hadoop.fs.Path(url)
            fs = root.getFileSystem(conf)
            matches = fs.globStatus(root)  # Hadoop's glob: * ? [ab] {a,b}
            out: list[str] = []
            for status in matches or ():
                if not status.isDirectory():
                    out.append(str(status.getPath().toString()))
                    continue
                it = fs.listFiles(status.getPath(), True)
                while it.hasNext():
                    out.append(str(it.next().getPath().toString()))
        except Py4JJavaError as e:
            raise Unreachable(unreachable_reason(url, e.java_exception)) from None
        if matches is None:
            raise Unreachable(f"{url}: no such file or directory")
        return sorted(out)

    def close(self) -> None:
        self.spark.catalog.clearCache()


def write_text(url: str, text: str) -> None:
    """Write a small text file (the findings) where Hadoop writes (hdfs://, s3a://...)."""
    sc = SparkEngine.start(None).spark.sparkContext
    path = sc._jvm.org.apache.hadoop.fs.Path(url)
    out = path.getFileSystem(sc._jsc.hadoopConfiguration()).create(path, True)
    try:
        out.write(bytearray(text.encode()))
    finally:
        out.close()
