/*
 * Fixture stub of cudnn_version.h from libcudnn9 @@V@@ for CUDA @@CM@@
 * (mlinabox tests/harness/fixture_repos). Only the version macros are real.
 */

#ifndef CUDNN_VERSION_H_
#define CUDNN_VERSION_H_

#define CUDNN_MAJOR @@MAJ@@
#define CUDNN_MINOR @@MIN@@
#define CUDNN_PATCHLEVEL @@PATCH@@

#define CUDNN_VERSION (CUDNN_MAJOR * 10000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)

#endif /* CUDNN_VERSION_H */
