
ADD JAR /tmp/SimpleUdf.jar