// The pure-Java core as a Gradle java-library (no Android imports). Same sources core/build.sh compiles with javac.
plugins {
    `java-library`
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

sourceSets {
    main { java.setSrcDirs(listOf("src/main/java")) }
    test { java.setSrcDirs(listOf("src/test/java")) }
}

dependencies {
    testImplementation("junit:junit:4.13.2")
}

tasks.test {
    // The golden assets live in the albert-edge repository: android_demo/../tests/assets.
    systemProperty("repo.root", rootDir.parentFile.absolutePath)
}
