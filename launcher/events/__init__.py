"""TensorBoard event files, read and written without TensorFlow: TFRecord framing (tfrecord),
the protobuf wire format (protowire), the fast paths for scalar runs and repeating cycles
(scalarruns, scalarcycles), telling large records that hold no scalar from their first bytes
(recordpeek), the log-dir reader (reader) and its on-disk cache of what was read
(scalarcache), the SummaryWriter-style writer (writer), RVC's spectrogram plots as PNG
(spectrogram) and the generated demo RVC folder (demo).

May import: launcher.util.
"""
