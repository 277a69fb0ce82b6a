from journeymine.v1 import signals_pb2 as _signals_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EvaluateConfig(_message.Message):
    __slots__ = ("task", "model", "label_map", "slice_by", "baseline", "seed")
    class LabelMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TASK_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LABEL_MAP_FIELD_NUMBER: _ClassVar[int]
    SLICE_BY_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    task: str
    model: str
    label_map: _containers.ScalarMap[str, str]
    slice_by: _containers.RepeatedScalarFieldContainer[str]
    baseline: str
    seed: int
    def __init__(self, task: _Optional[str] = ..., model: _Optional[str] = ..., label_map: _Optional[_Mapping[str, str]] = ..., slice_by: _Optional[_Iterable[str]] = ..., baseline: _Optional[str] = ..., seed: _Optional[int] = ...) -> None: ...

class LabelledRow(_message.Message):
    __slots__ = ("text", "label", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    text: str
    label: str
    fields: _containers.ScalarMap[str, str]
    def __init__(self, text: _Optional[str] = ..., label: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class EvaluateRequest(_message.Message):
    __slots__ = ("config", "row", "baseline_train_row")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    ROW_FIELD_NUMBER: _ClassVar[int]
    BASELINE_TRAIN_ROW_FIELD_NUMBER: _ClassVar[int]
    config: EvaluateConfig
    row: LabelledRow
    baseline_train_row: LabelledRow
    def __init__(self, config: _Optional[_Union[EvaluateConfig, _Mapping]] = ..., row: _Optional[_Union[LabelledRow, _Mapping]] = ..., baseline_train_row: _Optional[_Union[LabelledRow, _Mapping]] = ...) -> None: ...

class EvaluationMetrics(_message.Message):
    __slots__ = ("n", "accuracy", "macro_f1", "macro_recall", "ece", "argmax_accuracy", "in_scope_accuracy", "oos_recall", "oos_precision", "auroc", "throughput_texts_per_s")
    N_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    MACRO_F1_FIELD_NUMBER: _ClassVar[int]
    MACRO_RECALL_FIELD_NUMBER: _ClassVar[int]
    ECE_FIELD_NUMBER: _ClassVar[int]
    ARGMAX_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    IN_SCOPE_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    OOS_RECALL_FIELD_NUMBER: _ClassVar[int]
    OOS_PRECISION_FIELD_NUMBER: _ClassVar[int]
    AUROC_FIELD_NUMBER: _ClassVar[int]
    THROUGHPUT_TEXTS_PER_S_FIELD_NUMBER: _ClassVar[int]
    n: int
    accuracy: float
    macro_f1: float
    macro_recall: float
    ece: float
    argmax_accuracy: float
    in_scope_accuracy: float
    oos_recall: float
    oos_precision: float
    auroc: float
    throughput_texts_per_s: float
    def __init__(self, n: _Optional[int] = ..., accuracy: _Optional[float] = ..., macro_f1: _Optional[float] = ..., macro_recall: _Optional[float] = ..., ece: _Optional[float] = ..., argmax_accuracy: _Optional[float] = ..., in_scope_accuracy: _Optional[float] = ..., oos_recall: _Optional[float] = ..., oos_precision: _Optional[float] = ..., auroc: _Optional[float] = ..., throughput_texts_per_s: _Optional[float] = ...) -> None: ...

class ClassMetrics(_message.Message):
    __slots__ = ("label", "precision", "recall", "f1", "support")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    F1_FIELD_NUMBER: _ClassVar[int]
    SUPPORT_FIELD_NUMBER: _ClassVar[int]
    label: str
    precision: float
    recall: float
    f1: float
    support: int
    def __init__(self, label: _Optional[str] = ..., precision: _Optional[float] = ..., recall: _Optional[float] = ..., f1: _Optional[float] = ..., support: _Optional[int] = ...) -> None: ...

class EvaluateResponse(_message.Message):
    __slots__ = ("task", "model", "metrics", "per_class", "baselines", "report_json", "topic_metrics", "topic_baselines")
    class BaselinesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: EvaluationMetrics
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[EvaluationMetrics, _Mapping]] = ...) -> None: ...
    class TopicBaselinesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: TopicMetrics
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[TopicMetrics, _Mapping]] = ...) -> None: ...
    TASK_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    PER_CLASS_FIELD_NUMBER: _ClassVar[int]
    BASELINES_FIELD_NUMBER: _ClassVar[int]
    REPORT_JSON_FIELD_NUMBER: _ClassVar[int]
    TOPIC_METRICS_FIELD_NUMBER: _ClassVar[int]
    TOPIC_BASELINES_FIELD_NUMBER: _ClassVar[int]
    task: str
    model: _signals_pb2.ModelRef
    metrics: EvaluationMetrics
    per_class: _containers.RepeatedCompositeFieldContainer[ClassMetrics]
    baselines: _containers.MessageMap[str, EvaluationMetrics]
    report_json: str
    topic_metrics: TopicMetrics
    topic_baselines: _containers.MessageMap[str, TopicMetrics]
    def __init__(self, task: _Optional[str] = ..., model: _Optional[_Union[_signals_pb2.ModelRef, _Mapping]] = ..., metrics: _Optional[_Union[EvaluationMetrics, _Mapping]] = ..., per_class: _Optional[_Iterable[_Union[ClassMetrics, _Mapping]]] = ..., baselines: _Optional[_Mapping[str, EvaluationMetrics]] = ..., report_json: _Optional[str] = ..., topic_metrics: _Optional[_Union[TopicMetrics, _Mapping]] = ..., topic_baselines: _Optional[_Mapping[str, TopicMetrics]] = ...) -> None: ...

class TopicMetrics(_message.Message):
    __slots__ = ("n_topics", "outlier_share", "npmi", "diversity", "nmi", "ari", "docs_same_id", "ids_kept", "fit_seconds")
    N_TOPICS_FIELD_NUMBER: _ClassVar[int]
    OUTLIER_SHARE_FIELD_NUMBER: _ClassVar[int]
    NPMI_FIELD_NUMBER: _ClassVar[int]
    DIVERSITY_FIELD_NUMBER: _ClassVar[int]
    NMI_FIELD_NUMBER: _ClassVar[int]
    ARI_FIELD_NUMBER: _ClassVar[int]
    DOCS_SAME_ID_FIELD_NUMBER: _ClassVar[int]
    IDS_KEPT_FIELD_NUMBER: _ClassVar[int]
    FIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    n_topics: int
    outlier_share: float
    npmi: float
    diversity: float
    nmi: float
    ari: float
    docs_same_id: float
    ids_kept: float
    fit_seconds: float
    def __init__(self, n_topics: _Optional[int] = ..., outlier_share: _Optional[float] = ..., npmi: _Optional[float] = ..., diversity: _Optional[float] = ..., nmi: _Optional[float] = ..., ari: _Optional[float] = ..., docs_same_id: _Optional[float] = ..., ids_kept: _Optional[float] = ..., fit_seconds: _Optional[float] = ...) -> None: ...
