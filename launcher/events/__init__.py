"""TensorBoard event files, read and written without TensorFlow: TFRecord framing (tfrecord),
the protobuf wire format (protowire), the fast paths for scalar runs and repeating cycles
(scalarruns, scalarcycles), the log-dir reader (reader), the SummaryWriter-style writer (writer)
and the generated demo RVC folder (demo).

May import: launcher.util.
"""
