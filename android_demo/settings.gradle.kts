// albert-edge Android demo. Open this folder (android_demo/) in Android Studio, or run ./gradlew assembleDebug here.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "albert-edge-demo"
include(":app", ":core")
// :core is the pure-Java tokenizer/bundle library, also built and tested without Gradle by core/build.sh.
project(":core").projectDir = file("core")
