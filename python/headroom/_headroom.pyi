"""Type stubs of the native module (python/src/*.rs)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

__version__: str

class HeadroomError(ValueError):
    """An input or option headroom cannot use; the message is the command line's."""

Layout = Tuple[int, Optional[int], List[int], List[str]]
#: (name, kind, data) with kind "str" (codes, names), "float", "time" or "int" bytes.
Columns = List[Tuple[str, str, Any]]
Failed = List[Tuple[str, str]]
Outcome = Tuple[Columns, int, Failed, List[str]]

def layout(
    header: List[str],
    time_column: Optional[str] = ...,
    series_column: Optional[str] = ...,
    value_columns: List[str] = ...,
) -> Layout: ...

class Batch:
    def __new__(
        cls,
        header: List[str],
        layout: Layout,
        time: Tuple[str, Any, int],
        series: Optional[Tuple[bytes, List[str]]],
        values: List[Tuple[str, Any]],
        gaps: str = ...,
        step: Optional[str] = ...,
        agg: str = ...,
        rate: bool = ...,
        duplicates: str = ...,
    ) -> "Batch": ...
    def names(self) -> List[str]: ...

def inspect(batch: Batch) -> Outcome: ...
def forecast(
    batch: Batch,
    horizon: str,
    seasons: List[str],
    levels: Optional[List[str]],
    model: str,
    intervals: str,
    bounds: str = ...,
) -> Outcome: ...
def decompose(batch: Batch, seasons: List[str], robust: bool, stl: Dict[str, int]) -> Outcome: ...
def saturation(
    batch: Batch,
    capacity: Optional[str],
    capacities_table: Optional[Dict[str, str]],
    capacities_path: Optional[str],
    direction: str,
    horizon: Optional[str],
    by: Optional[str],
    need_until: Optional[str],
    risk: str,
    paths: int,
    seed: int,
    seasons: List[str],
    levels: Optional[List[str]],
    model: str,
    intervals: str,
    scenarios: List[str] = ...,
    bounds: str = ...,
    self_check: bool = ...,
) -> Outcome: ...
def backtest(
    batch: Batch,
    horizon: str,
    seasons: List[str],
    levels: Optional[List[str]],
    models: Sequence[str],
    windows: int,
    bounds: str = ...,
) -> Outcome: ...
def plot(
    batch: Batch,
    series: Optional[str],
    horizon: str,
    capacity: Optional[str],
    direction: str,
    seasons: List[str],
    levels: Optional[List[str]],
    model: str,
    intervals: str,
    width: int,
    height: int,
    scenarios: List[str] = ...,
    bounds: str = ...,
    self_check: bool = ...,
) -> Tuple[bytes, Failed, List[str]]: ...
def report(
    batch: Batch,
    capacity: Optional[str],
    capacities_table: Optional[Dict[str, str]],
    capacities_path: Optional[str],
    direction: str,
    horizon: Optional[str],
    by: Optional[str],
    need_until: Optional[str],
    risk: str,
    paths: int,
    seed: int,
    seasons: List[str],
    levels: Optional[List[str]],
    model: str,
    intervals: str,
    scenarios: List[str],
    charts: int,
    trust_windows: int,
    title: str,
    bounds: str = ...,
    self_check: bool = ...,
) -> Tuple[str, Failed, List[str]]: ...
def defaults() -> Dict[str, Any]: ...
def result_columns(command: str, levels: Optional[List[str]] = ...) -> List[Tuple[str, str]]: ...
def crate_seconds(
    batch: Batch, horizon: Optional[str], seasons: List[str], model: str, capacity: Optional[float] = ...
) -> float: ...
