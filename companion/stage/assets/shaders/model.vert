#version 150
// A clinic's own glTF scene, lit by the look: the key light and fill of the time of day,
// worked out per vertex (the light changes little within a triangle; per pixel it was a
// normalize, two dots and a branch for each of the scene's pixels on a software renderer).
uniform mat4 p3d_ModelViewProjectionMatrix;
uniform mat4 p3d_ModelMatrix;
uniform vec3 u_sun_dir;
uniform vec3 u_light;
uniform vec3 u_ambient;
uniform vec3 u_eye;
in vec4 p3d_Vertex;
in vec3 p3d_Normal;
in vec4 p3d_Color;
in vec2 p3d_MultiTexCoord0;
out vec3 v_from_eye;
out vec3 v_light;       // on the face the normal points from
out vec3 v_light_back;  // on the other face (two-sided: the fragment shader picks)
out vec4 v_color;
out vec2 v_uv;

void main() {
    vec3 world = (p3d_ModelMatrix * p3d_Vertex).xyz;
    v_from_eye = world - u_eye;  // linear across a triangle: its length per pixel is exact
    vec3 n = normalize(mat3(p3d_ModelMatrix) * p3d_Normal);
    float sun = dot(n, normalize(u_sun_dir)) * 0.6;
    // wrapped: no black faces
    v_light = u_light * max(0.0, 0.4 + sun) + u_ambient * (0.6 + 0.4 * n.z);
    v_light_back = u_light * max(0.0, 0.4 - sun) + u_ambient * (0.6 - 0.4 * n.z);
    v_color = p3d_Color;
    v_uv = p3d_MultiTexCoord0;
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
