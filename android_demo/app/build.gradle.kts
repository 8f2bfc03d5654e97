plugins {
    id("com.android.application")
}

val executorchVersion: String by project
val mediapipeVersion: String by project

android {
    namespace = "org.albertedge.demo"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.albertedge.demo"
        minSdk = 26 // java.nio.file in :core; ExecuTorch and LiteRT need no more
        targetSdk = 35
        versionCode = 1
        versionName = "0.1"
        ndk { abiFilters += listOf("arm64-v8a", "x86_64") }
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    androidResources {
        // Models are memory-mapped / copied from assets: keep them uncompressed.
        noCompress += listOf("pte", "tflite", "model")
    }
}

dependencies {
    implementation(project(":core"))
    implementation("org.pytorch:executorch-android:$executorchVersion")
    // MediaPipe tasks-text carries its own LiteRT runtime: the .tflite path needs nothing else
    implementation("com.google.mediapipe:tasks-text:$mediapipeVersion")
}
